/**
 * Fixed log-spaced latency buckets, kept per rollup row (hour × dimensions) so long-range
 * percentiles are read from a few thousand rollup rows instead of every call.
 *
 * Bucket 0 holds latencies below 1 ms; bucket i (1 … COUNT − 2) holds [2^((i−1)/4), 2^(i/4)) ms;
 * the last bucket everything from 2^((COUNT−2)/4) ms (≈ 3 min) up. Four buckets per doubling: a
 * bucket's upper bound is 2^(1/4) ≈ 1.189 × its lower bound.
 *
 * A percentile is interpolated from the merged counts: find the bucket holding rank p·(n − 1)
 * (the rank `percentile_cont` reads) and place the value geometrically inside it by the rank's
 * position among the bucket's calls. The exact value lies in the same bucket, so the estimate is
 * within a factor 2^(1/4) of it: at most 19 % relative error (≤ 1 ms below 4 ms, where latencies
 * are whole milliseconds), whatever the number of calls.
 */
export const HISTOGRAM_BUCKETS = 72;
export const HISTOGRAM_COLUMNS: readonly string[] = Array.from({ length: HISTOGRAM_BUCKETS }, (_, i) => `h${String(i).padStart(2, '0')}`);
const PER_DOUBLING = 4;

/** Lower bound (ms) of bucket `i`. */
export function bucketLow(i: number): number {
	return i === 0 ? 0 : 2 ** ((i - 1) / PER_DOUBLING);
}

/** Upper bound (ms, exclusive) of bucket `i`; the last bucket's is taken as twice its lower bound. */
export function bucketHigh(i: number): number {
	return i >= HISTOGRAM_BUCKETS - 1 ? 2 * bucketLow(i) : 2 ** (i / PER_DOUBLING);
}

/** The bucket of a latency in ms. */
export function bucketOf(latencyMs: number): number {
	if (!(latencyMs >= 1)) return 0;
	// Bounds are compared directly: floating log2 could put a value on a bound one bucket off.
	let i = Math.min(HISTOGRAM_BUCKETS - 1, 1 + Math.floor(PER_DOUBLING * Math.log2(latencyMs)));
	while (i > 1 && latencyMs < bucketLow(i)) i--;
	while (i < HISTOGRAM_BUCKETS - 1 && latencyMs >= bucketHigh(i)) i++;
	return i;
}

/** The percentile `p` (0–1) of the calls counted in `counts` (one count per bucket); null with no calls. */
export function histogramPercentile(counts: readonly number[], p: number): number | null {
	const n = counts.reduce((s, c) => s + c, 0);
	if (n === 0) return null;
	const rank = p * (n - 1);
	let before = 0;
	for (let i = 0; i < counts.length; i++) {
		const c = counts[i] ?? 0;
		if (c === 0) continue;
		if (rank < before + c) {
			// Position of the rank among this bucket's calls, 0 … 1 (midpoints of c equal slices).
			const f = (rank - before + 0.5) / c;
			const lo = bucketLow(i);
			const hi = bucketHigh(i);
			return lo === 0 ? f * hi : lo * (hi / lo) ** f;
		}
		before += c;
	}
	return bucketLow(counts.length - 1);
}
