import type { EvalQuery } from './eval-set.js';

/** Lifecycle of an evaluation run (`ml_eval_runs.status`). */
export type EvalRunStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

/** Who or what started a run. */
export type EvalRunSource = 'api' | 'cli' | 'flow' | 'demo';

/** One row of `ml_eval_sets`. */
export interface EvalSetRecord {
	id: string;
	name: string;
	description: string | null;
	/** `ml_indexes.id` the set is run against by default. */
	indexId: string | null;
	/** Collection whose items are judged. */
	collection: string | null;
	/** Field whose values matched the corpus ids at import (informational). */
	idField: string | null;
	source: 'manual' | 'beir' | 'demo';
	queries: EvalQuery[];
	queryCount: number;
	importReport: Record<string, unknown> | null;
	dateCreated: string | null;
	dateUpdated: string | null;
}

/** Aggregate metrics of a run. */
export interface EvalRunMetrics {
	ndcg10: number;
	recall: number;
	mrr: number;
	/** Queries evaluated. */
	queries: number;
	/** Queries with a relevant item within k. */
	queriesWithHit: number;
}

/** One query's outcome within a run. */
export interface EvalQueryResult {
	id: string;
	query: string;
	ndcg10: number;
	recall: number;
	reciprocalRank: number;
	firstRelevantRank: number | null;
	relevant: number;
	relevantFound: number;
	/** The first 10 results: item key, its grade (0 = not judged relevant) and title. */
	top: { item: string; grade: number; title?: string }[];
	/** Relevant items not found within k (the first 10). */
	missed: { item: string; grade: number }[];
	latencyMs: number;
}

/** Wall-clock figures of a run, in milliseconds. */
export interface EvalRunTimings {
	totalMs: number;
	/** Embedding the index's items with a candidate model (0 when the index's own vectors were used). */
	buildMs: number;
	searchP50Ms: number;
	searchP95Ms: number;
	searchMeanMs: number;
}

/** One row of `ml_eval_runs`. */
export interface EvalRunRecord {
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
	metrics: EvalRunMetrics | null;
	perQuery: EvalQueryResult[] | null;
	timings: EvalRunTimings | null;
	details: Record<string, unknown>;
	error: string | null;
	jobId: string | null;
	source: EvalRunSource;
	user: string | null;
	dateCreated: string;
	dateStarted: string | null;
	dateFinished: string | null;
}
