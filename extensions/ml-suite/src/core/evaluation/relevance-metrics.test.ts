import { describe, expect, it } from 'vitest';
import { dcgAt, firstRelevantRank, idealDcgAt, mean, ndcgAt, percentile, recallAt, reciprocalRankAt, scoreRanking } from './relevance-metrics.js';

const judged = (entries: Record<string, number>): Map<string, number> => new Map(Object.entries(entries));

describe('nDCG (trec_eval / pytrec_eval formulation)', () => {
	it('matches the worked example of the Wikipedia "Discounted cumulative gain" article (graded relevance)', () => {
		// Six results with grades 3,2,3,0,1,2; two more judged documents (grades 3 and 2) were not retrieved.
		// The article gives DCG6 = 6.861, IDCG6 = 8.740 (ideal order 3,3,3,2,2,2) and nDCG6 = 0.785.
		const qrels = judged({ d1: 3, d2: 2, d3: 3, d4: 0, d5: 1, d6: 2, d7: 3, d8: 2 });
		const ranked = ['d1', 'd2', 'd3', 'd4', 'd5', 'd6'];
		expect(dcgAt(ranked, qrels, 6)).toBeCloseTo(6.861, 3);
		expect(idealDcgAt(qrels, 6)).toBeCloseTo(8.740, 3);
		expect(ndcgAt(ranked, qrels, 6)).toBeCloseTo(0.785, 3);
	});

	it('matches the pytrec_eval README example (binary judgements, unjudged and zero-graded items not relevant)', () => {
		// q1: only d2 is relevant and is ranked third → 1/log2(4) = 0.5.
		expect(ndcgAt(['d3', 'd1', 'd2'], judged({ d1: 0, d2: 1, d3: 0 }), 10)).toBeCloseTo(0.5, 12);
		// q2: d2 and d3 relevant, ranked 3rd and 2nd → (1/log2 3 + 1/log2 4) / (1 + 1/log2 3) = 0.6934264036172708.
		expect(ndcgAt(['d1', 'd3', 'd2'], judged({ d2: 1, d3: 1 }), 10)).toBeCloseTo(0.6934264036172708, 12);
	});

	it('is 1 for the ideal ranking, 0 when nothing relevant is retrieved or nothing is relevant', () => {
		const qrels = judged({ a: 2, b: 1 });
		expect(ndcgAt(['a', 'b', 'x'], qrels, 10)).toBe(1);
		expect(ndcgAt(['x', 'y'], qrels, 10)).toBe(0);
		expect(ndcgAt([], qrels, 10)).toBe(0);
		expect(ndcgAt(['a'], judged({ a: 0 }), 10)).toBe(0);
	});

	it('cuts both the ranking and the ideal ranking at k', () => {
		// 11 relevant items, the first 10 retrieved are all relevant: nDCG@10 = 1 even though one is missing.
		const qrels = judged(Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`r${i}`, 1])));
		const ranked = Array.from({ length: 10 }, (_, i) => `r${i}`);
		expect(ndcgAt(ranked, qrels, 10)).toBe(1);
		// A relevant item at rank 11 does not count at depth 10.
		expect(ndcgAt([...Array.from({ length: 10 }, (_, i) => `x${i}`), 'r0'], qrels, 10)).toBe(0);
	});

	it('counts a repeated item once, at its first position', () => {
		const qrels = judged({ a: 1 });
		expect(dcgAt(['a', 'a', 'a'], qrels, 3)).toBe(1);
		// The duplicate does not push the relevant item down either.
		expect(dcgAt(['x', 'x', 'a'], qrels, 2)).toBeCloseTo(1 / Math.log2(3), 12);
	});

	it('rejects a cut-off that is not a positive integer', () => {
		expect(() => ndcgAt(['a'], judged({ a: 1 }), 0)).toThrow(RangeError);
		expect(() => recallAt(['a'], judged({ a: 1 }), 2.5)).toThrow(RangeError);
	});
});

describe('Recall@k and reciprocal rank', () => {
	const qrels = judged({ a: 1, b: 2, c: 1, z: 0 });

	it('recall is the share of relevant items within k', () => {
		expect(recallAt(['x', 'a', 'y', 'b'], qrels, 4)).toBeCloseTo(2 / 3, 12);
		expect(recallAt(['x', 'a', 'y', 'b'], qrels, 2)).toBeCloseTo(1 / 3, 12);
		expect(recallAt(['z'], qrels, 10)).toBe(0);
		expect(recallAt(['a'], judged({}), 10)).toBe(0);
	});

	it('reciprocal rank matches the Wikipedia "Mean reciprocal rank" example (MRR = 11/18)', () => {
		const cat = reciprocalRankAt(['catten', 'cati', 'cats'], judged({ cats: 1 }), 10);
		const torus = reciprocalRankAt(['torii', 'tori', 'toruses'], judged({ tori: 1 }), 10);
		const virus = reciprocalRankAt(['viruses', 'virii', 'viri'], judged({ viruses: 1 }), 10);
		expect([cat, torus, virus]).toEqual([1 / 3, 1 / 2, 1]);
		expect(mean([cat, torus, virus])).toBeCloseTo(11 / 18, 12);
	});

	it('reciprocal rank is 0 when the first relevant item is beyond k', () => {
		expect(firstRelevantRank(['x', 'y', 'a'], qrels, 2)).toBeNull();
		expect(reciprocalRankAt(['x', 'y', 'a'], qrels, 2)).toBe(0);
		expect(reciprocalRankAt(['x', 'y', 'a'], qrels, 3)).toBeCloseTo(1 / 3, 12);
	});

	it('scoreRanking reports nDCG@10 whatever k is, with recall and reciprocal rank at k', () => {
		const ranked = ['x', 'b', 'y', 'a', 'c'];
		const at3 = scoreRanking(ranked, qrels, 3);
		expect(at3).toMatchObject({ relevant: 3, relevantFound: 1, firstRelevantRank: 2, reciprocalRank: 0.5 });
		expect(at3.recall).toBeCloseTo(1 / 3, 12);
		expect(at3.ndcg10).toBeCloseTo(ndcgAt(ranked, qrels, 10), 12);
		expect(scoreRanking(ranked, qrels, 100)).toMatchObject({ relevantFound: 3, recall: 1 });
	});
});

describe('aggregates', () => {
	it('mean and nearest-rank percentiles', () => {
		expect(mean([])).toBe(0);
		expect(mean([1, 2, 3, 4])).toBe(2.5);
		const latencies = [15, 20, 35, 40, 50];
		expect(percentile(latencies, 50)).toBe(35);
		expect(percentile(latencies, 95)).toBe(50);
		expect(percentile(latencies, 0)).toBe(15);
		expect(percentile([], 50)).toBe(0);
	});
});
