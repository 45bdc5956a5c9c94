import { describe, expect, it } from 'vitest';
import { pairedRandomizationTest } from './paired-randomization-test.js';

describe('pairedRandomizationTest', () => {
	it('finds no difference between identical runs', () => {
		const scores = [0.1, 0.5, 0.9, 0.3];
		expect(pairedRandomizationTest(scores, scores)).toEqual({ meanDifference: 0, pValue: 1, wins: 0, losses: 0, ties: 4, queries: 4 });
	});

	it('gives a small p-value when b beats a on every one of many queries', () => {
		const a = Array.from({ length: 40 }, (_, i) => 0.3 + (i % 5) * 0.05);
		const b = a.map((v) => v + 0.2);
		const result = pairedRandomizationTest(a, b);
		expect(result.meanDifference).toBeCloseTo(0.2, 12);
		expect(result).toMatchObject({ wins: 40, losses: 0, ties: 0 });
		expect(result.pValue).toBeLessThan(0.001);
	});

	it('matches the exact permutation p-value on a case small enough to enumerate', () => {
		// Differences +1, +1, +1, -1 (observed sum 2): of the 16 sign assignments, only the 6 with two
		// signs of each kind sum to 0, the other 10 reach |sum| >= 2: exact two-sided p = 10/16 = 0.625.
		const result = pairedRandomizationTest([0, 0, 0, 1], [1, 1, 1, 0], { iterations: 200_000 });
		expect(result.pValue).toBeCloseTo(0.625, 2);
		expect(result).toMatchObject({ wins: 3, losses: 1 });
	});

	it('is symmetric and deterministic for a seed', () => {
		const a = [0.2, 0.4, 0.1, 0.8, 0.5, 0.3];
		const b = [0.3, 0.35, 0.4, 0.9, 0.45, 0.6];
		const ab = pairedRandomizationTest(a, b, { seed: 7 });
		expect(pairedRandomizationTest(a, b, { seed: 7 })).toEqual(ab);
		const ba = pairedRandomizationTest(b, a, { seed: 7 });
		expect(ba.meanDifference).toBeCloseTo(-ab.meanDifference, 12);
		expect(ba.pValue).toBe(ab.pValue);
	});

	it('refuses unpaired lists', () => {
		expect(() => pairedRandomizationTest([1, 2], [1])).toThrow(RangeError);
	});
});
