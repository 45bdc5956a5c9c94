import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { REDIS_URL, skipUnless } from '../../../../../test/support/services.js';
import { deleteKeys } from '../jobs/fixtures/redis-keys.js';
import { createUserRateLimiter, RateLimitedError } from './user-rate-limiter.js';

describe.skipIf(await skipUnless('redis'))('per-user rate limiter on Redis', () => {
	it('shares the count across instances through Redis', async () => {
		const keyPrefix = `ml-rl-test-${randomUUID().slice(0, 8)}`;
		const a = createUserRateLimiter({ points: 4, windowSeconds: 60, redisUrl: REDIS_URL, keyPrefix });
		const b = createUserRateLimiter({ points: 4, windowSeconds: 60, redisUrl: REDIS_URL, keyPrefix });
		try {
			expect(a.store).toBe('redis');
			// A limiter that is not connected yet counts locally.
			await Promise.all([a.ready(), b.ready()]);
			await a.consume('carol');
			await b.consume('carol');
			await a.consume('carol');
			await b.consume('carol');
			await expect(a.consume('carol')).rejects.toBeInstanceOf(RateLimitedError);
			await expect(b.consume('carol')).rejects.toBeInstanceOf(RateLimitedError);
		} finally {
			await a.close();
			await b.close();
			await deleteKeys(REDIS_URL, `${keyPrefix}*`);
		}
	});
});
