/** Nearest-rank percentile of `values` (0..100). */
export function percentile(values: readonly number[], p: number): number {
	if (values.length === 0) return Number.NaN;
	const sorted = [...values].sort((a, b) => a - b);
	const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
	return sorted[rank]!;
}

export const median = (values: readonly number[]): number => percentile(values, 50);

export function round(value: number, digits = 2): number {
	const f = 10 ** digits;
	return Math.round(value * f) / f;
}

/** Deterministic PRNG, so every run generates the same corpus and vectors. */
export { seededRandom } from '../../extensions/ml-suite/src/core/seeded-random.js';

/** Standard normal samples from a uniform source (Box–Muller). */
export function gaussian(random: () => number): () => number {
	let spare: number | null = null;
	return () => {
		if (spare !== null) {
			const s = spare;
			spare = null;
			return s;
		}
		let u = 0;
		while (u === 0) u = random();
		const v = random();
		const r = Math.sqrt(-2 * Math.log(u));
		spare = r * Math.sin(2 * Math.PI * v);
		return r * Math.cos(2 * Math.PI * v);
	};
}

export async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
	const started = performance.now();
	const value = await fn();
	return { value, ms: performance.now() - started };
}
