import { describe, expect, it } from 'vitest';
import { createUserRateLimiter, RateLimitedError } from './user-rate-limiter.js';

describe('per-user rate limiter', () => {
	it('lets `points` requests through per window and key, then refuses with 429 and a Retry-After', async () => {
		const limiter = createUserRateLimiter({ points: 3, windowSeconds: 60 });
		expect(limiter.store).toBe('memory');
		for (let i = 0; i < 3; i++) await limiter.consume('alice');
		const refused = await limiter.consume('alice').then(() => null, (e: unknown) => e);
		expect(refused).toBeInstanceOf(RateLimitedError);
		expect(refused).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
		expect((refused as RateLimitedError).retryAfterMs).toBeGreaterThan(50_000);
		expect((refused as RateLimitedError).message).toContain('ML_RATE_LIMIT_REQUESTS');
		// Another caller has their own budget.
		await expect(limiter.consume('bob')).resolves.toBeUndefined();
	});

	it('is off with 0 points', async () => {
		const limiter = createUserRateLimiter({ points: 0, windowSeconds: 60 });
		expect(limiter.store).toBe('off');
		for (let i = 0; i < 100; i++) await limiter.consume('alice');
	});

});
