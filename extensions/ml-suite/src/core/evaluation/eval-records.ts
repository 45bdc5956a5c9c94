import type { EvalQuery } from './eval-set.js';

export type { EvalRunStatus, EvalRunSource, EvalQueryResult } from '../../shared/eval-types.js';
export type { EvalMetrics as EvalRunMetrics, EvalTimings as EvalRunTimings, EvalRunDetail as EvalRunRecord } from '../../shared/eval-types.js';

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
