import type { ClassificationMetrics } from './classification-metrics.js';
import type { SoftmaxWeights } from './softmax-regression.js';
import type { TfidfState } from './tfidf-vectorizer.js';

/** Which features a classifier uses. */
export const FEATURE_KINDS = ['tfidf', 'embedding', 'tfidf+embedding'] as const;
export type FeatureKind = (typeof FEATURE_KINDS)[number];

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

/** One labelled example. */
export interface Example {
	text: string;
	label: string;
}

/** Everything needed to predict, stored with the version (JSON). */
export interface ClassifierArtifact {
	format: 1;
	labels: string[];
	features: FeatureKind;
	tfidf: (TfidfState & { bigrams: boolean }) | null;
	/** Embedding model (`ml_models` id) and its dimensions when embeddings are features. */
	embedding: { model: string; dimensions: number } | null;
	model: SoftmaxWeights;
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
