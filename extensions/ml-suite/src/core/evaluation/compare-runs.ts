import type { EvalQueryResult, EvalRunRecord } from './eval-records.js';
import { pairedRandomizationTest, type PairedTestResult } from './paired-randomization-test.js';

/** A run without its per-query results. */
export type EvalRunSummary = Omit<EvalRunRecord, 'perQuery'>;

export type ComparedMetric = 'ndcg10' | 'recall' | 'reciprocalRank';
const METRICS: ComparedMetric[] = ['ndcg10', 'recall', 'reciprocalRank'];

export interface RunComparison {
	/** The runs compared, in the order asked; the first is the baseline. */
	runs: EvalRunSummary[];
	/** True when every run used the same queries and judgements (same set hash). */
	sameJudgements: boolean;
	/** Queries present in every run (the paired comparison is over these). */
	pairedQueries: number;
	/** Per run after the first: difference to the baseline and its significance, per metric. */
	versusBaseline: { run: string; metrics: Record<ComparedMetric, PairedTestResult> }[];
	/** Per paired query: each run's result, in run order. */
	queries: { id: string; query: string; relevant: number; results: Omit<EvalQueryResult, 'id' | 'query' | 'relevant'>[] }[];
}

function summary(run: EvalRunRecord): EvalRunSummary {
	const { perQuery: _perQuery, ...rest } = run;
	return rest;
}

/**
 * Compares completed runs side by side: the baseline is the first run; every other run gets its
 * mean difference per metric with a paired randomization test over the queries all runs share.
 */
export function compareRuns(runs: readonly EvalRunRecord[]): RunComparison {
	const byRun = runs.map((run) => new Map((run.perQuery ?? []).map((q) => [q.id, q])));
	const first = runs[0]?.perQuery ?? [];
	const paired = first.filter((q) => byRun.every((map) => map.has(q.id)));
	const setHashes = new Set(runs.map((run) => String(run.details.setHash ?? run.setHash)));
	const baseline = byRun[0];
	return {
		runs: runs.map(summary),
		sameJudgements: setHashes.size <= 1,
		pairedQueries: paired.length,
		versusBaseline: runs.slice(1).map((run, i) => {
			const other = byRun[i + 1];
			const metrics = {} as Record<ComparedMetric, PairedTestResult>;
			for (const metric of METRICS) {
				const a = paired.map((q) => baseline?.get(q.id)?.[metric] ?? 0);
				const b = paired.map((q) => other?.get(q.id)?.[metric] ?? 0);
				metrics[metric] = pairedRandomizationTest(a, b);
			}
			return { run: run.id, metrics };
		}),
		queries: paired.map((q) => ({
			id: q.id,
			query: q.query,
			relevant: q.relevant,
			results: byRun.map((map) => {
				const { id: _id, query: _query, relevant: _relevant, ...result } = map.get(q.id) as EvalQueryResult;
				return result;
			}),
		})),
	};
}
