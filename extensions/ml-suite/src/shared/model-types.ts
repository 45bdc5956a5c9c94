/**
 * Types of the `/ml/models` routes, shared by the routes and the Vue ML Models module.
 * Type-only: importing this file adds no runtime code.
 */
/** A model row from `ml_models`, resolved to what providers need (no secrets). */
export interface ModelDefinition {
	/** Row id in ml_models (or a synthetic id for env-only models). */
	id: string;
	/** Human name shown in the admin app. */
	name: string;
	provider: 'local' | 'openai' | 'openai-compatible';
	task: 'embedding' | 'chat' | 'transcription' | 'classification';
	/** Model id as the provider knows it (e.g. `text-embedding-3-small`). */
	modelId: string;
	/** Base URL for openai-compatible servers. */
	baseUrl: string | null;
	/** Name of the environment variable holding the API key (never the key itself). */
	apiKeyEnv: string | null;
	dimensions: number | null;
	maxInputTokens: number | null;
	maxBatchSize: number | null;
	contextWindow: number | null;
	/** Request caps (null/absent = none): largest `max_tokens` a request may ask for (chat). */
	maxOutputTokens?: number | null;
	/** Most texts one `/ml/embeddings` request may send (embedding). */
	maxRequestInputs?: number | null;
	/** Longest input in characters: each embedding text, or a chat prompt's messages together. */
	maxInputChars?: number | null;
	/** USD per 1M input tokens. */
	inputPricePerMillion: number;
	/** USD per 1M output tokens. */
	outputPricePerMillion: number;
	/** USD per minute of audio (transcription models). Default: 0. */
	audioPricePerMinute?: number;
	isDefault: boolean;
	status: 'active' | 'disabled';
}

/** Evaluation of a classifier on held-out examples. */
export interface ClassificationMetrics {
	accuracy: number;
	macroF1: number;
	/** Per class, in `labels` order. */
	perClass: { label: string; precision: number; recall: number; f1: number; support: number }[];
	/** `confusion[actual][predicted]` counts, rows and columns in `labels` order. */
	confusion: number[][];
	labels: string[];
	size: number;
}

/** Which features a classifier uses. */
export type FeatureKind = 'tfidf' | 'embedding' | 'tfidf+embedding';

/** What a classifier is trained on: a collection's items, their text fields and a label field. */
export interface TrainingSpec {
	collection: string;
	/** Fields whose text is joined (HTML converted to text) into one document per item. */
	textFields: string[];
	/** Field holding the label (a string or number; empty values are left out). */
	labelField: string;
	/** Directus filter selecting the items to learn from. */
	filter: Record<string, unknown> | null;
	features: FeatureKind;
	/** Share of each class held out for evaluation. Default 0.2. */
	testRatio: number;
	/** Fewest labelled examples per class. Default 3. */
	minExamplesPerClass: number;
	/** Training passes. Default 30. */
	epochs: number;
	/**
	 * Automatic retraining: a new run with this spec starts once this many labels have been
	 * written to the collection (items created or updated with a value in `labelField`, by people
	 * or API clients) since the last run started. `null` or absent: only manual training.
	 */
	retrainAfterNewLabels?: number | null;
}

/** A stored training run of a classifier (`ml_model_versions`). */
export interface ClassifierVersion {
	id: string;
	model: string;
	version: number;
	status: 'queued' | 'training' | 'ready' | 'failed';
	active: boolean;
	spec: TrainingSpec;
	metrics: ClassificationMetrics | null;
	trainSize: number | null;
	testSize: number | null;
	trainingMs: number | null;
	labels: string[];
	jobId: string | null;
	error: string | null;
	createdBy: string | null;
	createdAt: string;
	trainedAt: string | null;
	activatedAt: string | null;
}

/** A test call's outcome, kept per model for the changelist's status column. */
export interface ModelTestRecord {
	model: string;
	ok: boolean;
	latencyMs: number;
	message: string | null;
	details: Record<string, unknown> | null;
	testedAt: string;
}

export type ModelHealth = 'healthy' | 'failing' | 'untested';

/** One row of `GET /ml/models`. */
export interface ModelListEntry extends ModelDefinition {
	health: ModelHealth;
	lastTest: ModelTestRecord | null;
	usage24h: { calls: number; errors: number };
	versions: { versions: number; active: number | null };
	/** Active indexes that embed with this model (explicitly, or through the default). */
	indexes: number;
}

export interface ModelTestResponse {
	model: string;
	ok: boolean;
	latencyMs: number;
	dimensions?: number;
	sample?: string;
	error?: { message: string; code: string };
	testedAt: string;
}

export interface ModelHistoryEntry {
	action: string;
	timestamp: string;
	user: string | null;
	delta: Record<string, unknown> | null;
}

export interface IndexUsingModel {
	id: string;
	name: string;
	collection: string;
	usesDefault: boolean;
}

/** `GET /ml/models/:id`. */
export interface ModelDetail {
	model: ModelDefinition;
	versions: ClassifierVersion[];
	recentUsage: Record<string, unknown>[];
	recentErrors: Record<string, unknown>[];
	tests: ModelTestRecord[];
	history: ModelHistoryEntry[];
	usage24h: { calls: number; errors: number } | undefined;
	indexes: IndexUsingModel[];
	/** Embedding models that are not the default: the indexes that would be re-embedded if this became the default. */
	defaultFollowers: IndexUsingModel[];
}
