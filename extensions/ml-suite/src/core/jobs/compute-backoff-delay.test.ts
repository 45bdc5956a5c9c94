import { describe, expect, it } from 'vitest';
import { computeBackoffDelay } from './compute-backoff-delay.js';

describe('computeBackoffDelay', () => {
	it('doubles per retry and takes jitter off the top', () => {
		const opts = { delayMs: 100, jitter: 0.5, maxDelayMs: 10_000 };
		expect([1, 2, 3].map((r) => computeBackoffDelay(r, opts, () => 0))).toEqual([100, 200, 400]);
		expect([1, 2, 3].map((r) => computeBackoffDelay(r, opts, () => 1))).toEqual([50, 100, 200]);
	});

	it('never lets a retry come sooner than the one before, whatever the jitter draws', () => {
		const opts = { delayMs: 100, jitter: 0.9 };
		for (let retry = 1; retry < 8; retry++) {
			expect(computeBackoffDelay(retry + 1, opts, () => 0.999)).toBeGreaterThanOrEqual(computeBackoffDelay(retry, opts, () => 0));
		}
	});

	it('caps the delay', () => {
		expect(computeBackoffDelay(30, { delayMs: 1000, jitter: 0, maxDelayMs: 5000 })).toBe(5000);
	});
});
