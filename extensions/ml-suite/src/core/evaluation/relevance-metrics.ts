/**
 * Ranking metrics as TREC and BEIR compute them (trec_eval / pytrec_eval conventions):
 *
 * - relevance judgements ("qrels") map an item key to a grade; grade > 0 means relevant, and
 *   items without a judgement count as not relevant;
 * - nDCG uses the grade itself as the gain and `log2(rank + 1)` as the discount (rank from 1),
 *   the ideal ranking being every judged item sorted by grade, cut at the same depth;
 * - Recall@k is the share of relevant items found in the first k results;
 * - the reciprocal rank is 1 / rank of the first relevant result within the first k (0 if none),
 *   and its mean over queries is MRR.
 *
 * A ranked list that repeats an item counts its first position only (search returns one hit per
 * item; duplicates would otherwise be rewarded twice).
 */

import type { QueryScores } from '../../shared/eval-types.js';

export type { QueryScores };

/** Relevance judgements of one query: item key → grade (> 0 = relevant). */
export type Judgements = ReadonlyMap<string, number>;

function uniqueRanking(ranked: readonly string[], depth: number): string[] {
	const seen = new Set<string>();
	const out: string[] = [];
	for (const item of ranked) {
		if (out.length >= depth) break;
		if (seen.has(item)) continue;
		seen.add(item);
		out.push(item);
	}
	return out;
}

function assertDepth(k: number): void {
	if (!Number.isInteger(k) || k < 1) throw new RangeError(`Cut-off must be a positive integer, got ${k}.`);
}

/** Discounted cumulative gain of the first `k` results (linear gain, log2 discount). */
export function dcgAt(ranked: readonly string[], judgements: Judgements, k: number): number {
	assertDepth(k);
	let dcg = 0;
	uniqueRanking(ranked, k).forEach((item, i) => {
		const grade = judgements.get(item) ?? 0;
		if (grade > 0) dcg += grade / Math.log2(i + 2);
	});
	return dcg;
}

/** DCG of the best possible ranking of the judged items, cut at `k`. */
export function idealDcgAt(judgements: Judgements, k: number): number {
	assertDepth(k);
	const grades = [...judgements.values()].filter((g) => g > 0).sort((a, b) => b - a).slice(0, k);
	return grades.reduce((sum, grade, i) => sum + grade / Math.log2(i + 2), 0);
}

/** Normalised DCG at `k`, in 0..1. A query with no relevant item scores 0. */
export function ndcgAt(ranked: readonly string[], judgements: Judgements, k: number): number {
	const ideal = idealDcgAt(judgements, k);
	return ideal > 0 ? dcgAt(ranked, judgements, k) / ideal : 0;
}

/** Share of the relevant items that appear in the first `k` results. A query with no relevant item scores 0. */
export function recallAt(ranked: readonly string[], judgements: Judgements, k: number): number {
	assertDepth(k);
	const relevant = [...judgements.values()].filter((g) => g > 0).length;
	if (relevant === 0) return 0;
	const found = uniqueRanking(ranked, k).filter((item) => (judgements.get(item) ?? 0) > 0).length;
	return found / relevant;
}

/** 1-based rank of the first relevant result within the first `k`, or null. */
export function firstRelevantRank(ranked: readonly string[], judgements: Judgements, k: number): number | null {
	assertDepth(k);
	const index = uniqueRanking(ranked, k).findIndex((item) => (judgements.get(item) ?? 0) > 0);
	return index === -1 ? null : index + 1;
}

/** 1 / rank of the first relevant result within the first `k`; 0 when none is found. */
export function reciprocalRankAt(ranked: readonly string[], judgements: Judgements, k: number): number {
	const rank = firstRelevantRank(ranked, judgements, k);
	return rank === null ? 0 : 1 / rank;
}


/** Depth of nDCG, fixed at 10 as in BEIR so runs with different `k` stay comparable. */
export const NDCG_DEPTH = 10;

/** nDCG@10, Recall@k and the reciprocal rank within k for one ranking. */
export function scoreRanking(ranked: readonly string[], judgements: Judgements, k: number): QueryScores {
	const relevant = [...judgements.values()].filter((g) => g > 0).length;
	const recall = recallAt(ranked, judgements, k);
	return {
		ndcg10: ndcgAt(ranked, judgements, NDCG_DEPTH),
		recall,
		reciprocalRank: reciprocalRankAt(ranked, judgements, k),
		firstRelevantRank: firstRelevantRank(ranked, judgements, k),
		relevant,
		relevantFound: Math.round(recall * relevant),
	};
}

/** Arithmetic mean; 0 for an empty list. */
export function mean(values: readonly number[]): number {
	return values.length === 0 ? 0 : values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** Nearest-rank percentile (p in 0..100) of unsorted values; 0 for an empty list. */
export function percentile(values: readonly number[], p: number): number {
	if (values.length === 0) return 0;
	const sorted = [...values].sort((a, b) => a - b);
	const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
	return sorted[Math.min(sorted.length, rank) - 1] ?? 0;
}
