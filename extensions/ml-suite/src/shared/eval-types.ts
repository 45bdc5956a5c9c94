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

/** Aggregate metrics of a run. */
export interface EvalMetrics {
	ndcg10: number;
	recall: number;
	mrr: number;
	/** Queries evaluated. */
	queries: number;
	/** Queries with a relevant item within k. */
	queriesWithHit: number;
}

/** Wall-clock figures of a run, in milliseconds. */
export interface EvalTimings {
	totalMs: number;
	/** Embedding the index's items with a candidate model (0 when the index's own vectors were used). */
	buildMs: number;
	searchP50Ms: number;
	searchP95Ms: number;
	searchMeanMs: number;
}

/** Who or what started a run. */
export type EvalRunSource = 'api' | 'cli' | 'flow' | 'demo';

/** A run as listed (`GET /ml/eval/runs`), one row of `ml_eval_runs` without its per-query results. */
export interface EvalRunSummary {
	id: string;
	status: EvalRunStatus;
	setId: string | null;
	setName: string;
	/** Hash of the set's queries at run time: runs are comparable per query only when equal. */
	setHash: string;
	indexName: string;
	collection: string;
	/** `ml_models.id` evaluated, or null for the index's default resolution. */
	modelId: string | null;
	/** Provider/model id/dimensions, as resolved when the run was created. */
	modelKey: string;
	modelLabel: string;
	/** True when the model is not the index's own and vectors were built for the run. */
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
	source: EvalRunSource;
	user: string | null;
	dateCreated: string;
	dateStarted: string | null;
	dateFinished: string | null;
}

/** The metrics of one query's ranking. */
export interface QueryScores {
	/** nDCG@10. */
	ndcg10: number;
	/** Recall@k. */
	recall: number;
	/** Reciprocal rank within k (its mean is MRR@k). */
	reciprocalRank: number;
	/** Rank of the first relevant result within k, or null. */
	firstRelevantRank: number | null;
	/** Relevant items of the query (grade > 0). */
	relevant: number;
	/** Relevant items found within k. */
	relevantFound: number;
}

/** One query's outcome within a run. */
export interface EvalQueryResult extends QueryScores {
	id: string;
	query: string;
	/** The first 10 results: item key, its grade (0 = not judged relevant) and title. */
	top: { item: string; grade: number; title?: string }[];
	/** Relevant items not found within k (the first 10). */
	missed: { item: string; grade: number }[];
	latencyMs: number;
}

/** `GET /ml/eval/runs/:id`. */
export interface EvalRunDetail extends EvalRunSummary {
	perQuery: EvalQueryResult[] | null;
}

/** A paired randomization test of run b against run a over the same queries. */
export interface PairedTest {
	/** Mean of b - a over the paired queries. */
	meanDifference: number;
	/** Two-sided p-value, in (0, 1]. */
	pValue: number;
	/** Queries where b scored higher / lower / the same as a. */
	wins: number;
	losses: number;
	ties: number;
	/** Number of paired queries. */
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
