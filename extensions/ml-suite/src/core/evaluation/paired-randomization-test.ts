import type { PairedTest } from '../../shared/eval-types.js';
import { seededRandom } from '../seeded-random.js';

/** The result of `pairedRandomizationTest` (the wire type of `/ml/eval/compare`). */
export type PairedTestResult = PairedTest;

/**
 * Two-sided paired randomization (sign-flip permutation) test on per-query scores, the test
 * IR evaluation uses to say whether system B really differs from system A on the same queries
 * (Smucker, Allan & Carterette, CIKM 2007). Under the null hypothesis the sign of each
 * query's difference is arbitrary, so the p-value is the share of random sign assignments whose
 * mean difference is at least as far from 0 as the observed one.
 *
 * Deterministic for a given `seed`, so a comparison shows the same p-value every time it is viewed.
 *
 * Compares per-query scores `a` and `b` (same queries, same order).
 * @param options.iterations random sign assignments. Default: 10000.
 * @param options.seed PRNG seed. Default: 42.
 */
export function pairedRandomizationTest(
	a: readonly number[],
	b: readonly number[],
	options: { iterations?: number; seed?: number } = {},
): PairedTestResult {
	if (a.length !== b.length) throw new RangeError(`Paired scores need the same number of queries (${a.length} vs ${b.length}).`);
	const iterations = options.iterations ?? 10_000;
	const diffs = a.map((value, i) => (b[i] ?? 0) - value);
	const n = diffs.length;
	let wins = 0;
	let losses = 0;
	for (const d of diffs) {
		if (d > 1e-12) wins++;
		else if (d < -1e-12) losses++;
	}
	const observedSum = diffs.reduce((sum, d) => sum + d, 0);
	const result = { meanDifference: n === 0 ? 0 : observedSum / n, wins, losses, ties: n - wins - losses, queries: n };
	if (n === 0 || wins + losses === 0) return { ...result, pValue: 1 };

	const observed = Math.abs(observedSum) - 1e-9;
	const random = seededRandom(options.seed ?? 42);
	let atLeastAsExtreme = 0;
	for (let i = 0; i < iterations; i++) {
		let sum = 0;
		for (const d of diffs) sum += random() < 0.5 ? d : -d;
		if (Math.abs(sum) >= observed) atLeastAsExtreme++;
	}
	// +1 in both terms: the observed assignment is one of the possible ones, so p is never 0.
	return { ...result, pValue: (atLeastAsExtreme + 1) / (iterations + 1) };
}
