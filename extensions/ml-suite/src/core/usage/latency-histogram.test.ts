import { describe, expect, it } from 'vitest';
import { bucketHigh, bucketLow, bucketOf, HISTOGRAM_BUCKETS, histogramPercentile } from './latency-histogram.js';

/** percentile_cont of sorted values. */
function exact(sorted: number[], p: number): number {
	const pos = p * (sorted.length - 1);
	const lo = Math.floor(pos);
	return sorted[lo]! + (pos - lo) * (sorted[Math.min(sorted.length - 1, lo + 1)]! - sorted[lo]!);
}

describe('latency histogram', () => {
	it('puts every latency in the bucket whose bounds hold it', () => {
		for (const v of [0, 0.5, 1, 1.1, 1.19, 1.2, 2, 3, 7, 100, 999, 1000, 65_536, 10_000_000]) {
			const i = bucketOf(v);
			expect(i).toBeGreaterThanOrEqual(0);
			expect(i).toBeLessThan(HISTOGRAM_BUCKETS);
			expect(v).toBeGreaterThanOrEqual(bucketLow(i));
			if (i < HISTOGRAM_BUCKETS - 1) expect(v).toBeLessThan(bucketHigh(i));
		}
	});

	it('estimates percentiles within the stated 2^(1/4) factor of percentile_cont', () => {
		let seed = 7;
		const random = (): number => ((seed = (seed * 16807) % 2147483647) / 2147483647);
		for (const shape of [(r: number) => 5 + r * 2000, (r: number) => Math.exp(r * 9), (r: number) => (r < 0.9 ? 20 + r * 10 : 3000 + r * 100)]) {
			const values = Array.from({ length: 5000 }, () => Math.round(shape(random())));
			const counts = new Array(HISTOGRAM_BUCKETS).fill(0);
			for (const v of values) counts[bucketOf(v)]++;
			values.sort((a, b) => a - b);
			for (const p of [0.5, 0.95, 0.99]) {
				const truth = exact(values, p);
				const estimate = histogramPercentile(counts, p)!;
				expect(estimate / truth).toBeLessThanOrEqual(2 ** 0.25 + 1e-9);
				expect(truth / estimate).toBeLessThanOrEqual(2 ** 0.25 + 1e-9);
			}
		}
		expect(histogramPercentile(new Array(HISTOGRAM_BUCKETS).fill(0), 0.5)).toBeNull();
	});
});
