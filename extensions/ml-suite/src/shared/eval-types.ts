/**
 * Wire types of the relevance-evaluation routes (`/ml/eval/*`), shared by the routes and the
 * ML Evaluation module. Types only.
 */
export type EvalRunStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

/** `GET /ml/eval/options`: what a run can be configured with. */
export interface EvalOptions {
	indexes: { name: string; label: string; collection: string; status: string; model: EvalModelSummary }[];
	/** Embedding models of the registry. */
	models: (EvalModelSummary & { name: string; status: string; isDefault: boolean })[];
	modes: string[];
	rerankers: string[];
	limit: { min: number; max: number; default: number };
}

export interface EvalModelSummary {
	id: string | null;
	key: string;
	label: string;
	dimensions: number;
}

/** One entry of `GET /ml/eval/sets`. */
export interface EvalSetSummary {
	id: string;
	name: string;
	description: string | null;
	source: 'manual' | 'beir' | 'demo';
	index: string | null;
	collection: string | null;
	idField: string | null;
	queryCount: number;
	importReport: Record<string, unknown> | null;
	dateUpdated: string | null;
}

export interface EvalMetrics {
	ndcg10: number;
	recall: number;
	mrr: number;
	queries: number;
	queriesWithHit: number;
}

export interface EvalTimings {
	totalMs: number;
	buildMs: number;
	searchP50Ms: number;
	searchP95Ms: number;
	searchMeanMs: number;
}

/** A run as listed (`GET /ml/eval/runs`). */
export interface EvalRunSummary {
	id: string;
	status: EvalRunStatus;
	setId: string | null;
	setName: string;
	setHash: string;
	indexName: string;
	collection: string;
	modelId: string | null;
	modelKey: string;
	modelLabel: string;
	candidateModel: boolean;
	mode: string;
	reranker: string | null;
	searchOptions: Record<string, unknown>;
	k: number;
	queryCount: number;
	progress: number;
	metrics: EvalMetrics | null;
	timings: EvalTimings | null;
	details: Record<string, unknown>;
	error: string | null;
	jobId: string | null;
	source: 'api' | 'cli' | 'flow' | 'demo';
	user: string | null;
	dateCreated: string;
	dateStarted: string | null;
	dateFinished: string | null;
}

export interface EvalQueryResult {
	id: string;
	query: string;
	ndcg10: number;
	recall: number;
	reciprocalRank: number;
	firstRelevantRank: number | null;
	relevant: number;
	relevantFound: number;
	/** The first 10 results with their grade (0 = not judged relevant). */
	top: { item: string; grade: number; title?: string }[];
	/** Relevant items not found within k (the first 10). */
	missed: { item: string; grade: number }[];
	latencyMs: number;
}

/** `GET /ml/eval/runs/:id`. */
export interface EvalRunDetail extends EvalRunSummary {
	perQuery: EvalQueryResult[] | null;
}

export interface PairedTest {
	meanDifference: number;
	pValue: number;
	wins: number;
	losses: number;
	ties: number;
	queries: number;
}

/** `GET /ml/eval/compare?runs=a,b,…`: the first run is the baseline. */
export interface EvalComparison {
	runs: EvalRunSummary[];
	sameJudgements: boolean;
	pairedQueries: number;
	versusBaseline: { run: string; metrics: Record<'ndcg10' | 'recall' | 'reciprocalRank', PairedTest> }[];
	queries: { id: string; query: string; relevant: number; results: Omit<EvalQueryResult, 'id' | 'query' | 'relevant'>[] }[];
}

/** `POST /ml/eval/sets/import` response. */
export interface EvalImportResult {
	set: EvalSetSummary;
	report: Record<string, unknown>;
}
