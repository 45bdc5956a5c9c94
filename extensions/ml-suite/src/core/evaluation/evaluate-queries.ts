import { performance } from 'node:perf_hooks';
import type { EvalQueryResult, EvalRunMetrics } from './eval-records.js';
import { judgementsOf, type EvalQuery } from './eval-set.js';
import { mean, percentile, scoreRanking } from './relevance-metrics.js';

/** One ranked result: the item key and, when search knows it, the item's title. */
export interface RankedItem {
	item: string;
	title?: string;
}

/** Ranks items for a query, best first. */
export type RankItems = (query: string, signal?: AbortSignal) => Promise<RankedItem[]>;

export interface EvaluateQueriesOptions {
	/** Results asked for per query; Recall and MRR are computed at this depth. */
	k: number;
	signal?: AbortSignal;
	/** Called after each query with the number done. */
	onProgress?: (done: number, total: number) => Promise<void> | void;
	/** Checked every few queries; returning true stops the evaluation with `EvaluationStopped`. */
	shouldStop?: () => Promise<boolean>;
}

export interface QueriesOutcome {
	metrics: EvalRunMetrics;
	perQuery: EvalQueryResult[];
	latency: { p50: number; p95: number; mean: number };
}

/** Thrown when `shouldStop` asked the evaluation to stop (e.g. the run was cancelled). */
export class EvaluationStopped extends Error {
	constructor() {
		super('The evaluation was stopped.');
		this.name = 'EvaluationStopped';
	}
}

const round = (value: number, digits = 6): number => Number(value.toFixed(digits));

/**
 * Runs every query through `rank`, one at a time so each latency is the search's own, and scores
 * the rankings against the judgements. A query whose search fails fails the evaluation: scoring
 * it as a miss would silently lower the metrics.
 */
export async function evaluateQueries(queries: readonly EvalQuery[], rank: RankItems, options: EvaluateQueriesOptions): Promise<QueriesOutcome> {
	const perQuery: EvalQueryResult[] = [];
	for (const [i, query] of queries.entries()) {
		if (options.signal?.aborted) throw options.signal.reason instanceof Error ? options.signal.reason : new EvaluationStopped();
		if (options.shouldStop && i % 10 === 0 && (await options.shouldStop())) throw new EvaluationStopped();
		const judgements = judgementsOf(query);
		const started = performance.now();
		let results: RankedItem[];
		try {
			results = await rank(query.query, options.signal);
		} catch (error) {
			const message = error instanceof Error ? error.message : String(error);
			throw new Error(`Query "${query.id}" failed: ${message}`, { cause: error });
		}
		const latencyMs = performance.now() - started;
		const ranked = results.map((r) => r.item);
		const scores = scoreRanking(ranked, judgements, options.k);
		const within = new Set(ranked.slice(0, options.k));
		perQuery.push({
			id: query.id,
			query: query.query,
			ndcg10: round(scores.ndcg10),
			recall: round(scores.recall),
			reciprocalRank: round(scores.reciprocalRank),
			firstRelevantRank: scores.firstRelevantRank,
			relevant: scores.relevant,
			relevantFound: scores.relevantFound,
			top: results.slice(0, 10).map((r) => ({ item: r.item, grade: judgements.get(r.item) ?? 0, ...(r.title ? { title: r.title.slice(0, 200) } : {}) })),
			missed: query.relevant.filter((r) => !within.has(r.item)).slice(0, 10).map((r) => ({ item: r.item, grade: r.grade })),
			latencyMs: round(latencyMs, 2),
		});
		await options.onProgress?.(i + 1, queries.length);
	}
	const latencies = perQuery.map((q) => q.latencyMs);
	return {
		metrics: {
			ndcg10: round(mean(perQuery.map((q) => q.ndcg10))),
			recall: round(mean(perQuery.map((q) => q.recall))),
			mrr: round(mean(perQuery.map((q) => q.reciprocalRank))),
			queries: perQuery.length,
			queriesWithHit: perQuery.filter((q) => q.firstRelevantRank !== null).length,
		},
		perQuery,
		latency: { p50: round(percentile(latencies, 50), 2), p95: round(percentile(latencies, 95), 2), mean: round(mean(latencies), 2) },
	};
}
