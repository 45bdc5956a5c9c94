import { describe, expect, it } from 'vitest';
import { parseConfig } from '../config.js';
import { chooseQueueBackend, createQueue, directusRedisUrl } from './create-queue.js';
import { InlineQueue } from './inline-queue.js';

const config = (env: Record<string, unknown>) => parseConfig(env).config;

describe('chooseQueueBackend', () => {
	it('uses inline when auto and no Redis is known', () => {
		expect(chooseQueueBackend(config({}), {}).options).toEqual({ backend: 'inline', concurrency: 2, concurrencyByQueue: { evaluation: 1 } });
	});

	it('uses BullMQ with ML_REDIS_URL over Directus settings, with the configured prefix and concurrency', () => {
		const choice = chooseQueueBackend(config({ ML_REDIS_URL: 'redis://ml:6379', ML_QUEUE_PREFIX: 'site1', ML_WORKER_CONCURRENCY: '4' }), { REDIS: 'redis://directus:6379' });
		expect(choice.options).toEqual({ backend: 'bullmq', redisUrl: 'redis://ml:6379', prefix: 'site1', concurrency: 4, concurrencyByQueue: { evaluation: 1 }, lockDurationMs: 30_000, stalledIntervalMs: 30_000 });
	});

	it('passes the lock interval and the provider rate limit to the backend', () => {
		const choice = chooseQueueBackend(config({ ML_REDIS_URL: 'redis://ml:6379', ML_QUEUE_LOCK_MS: '5000', ML_QUEUE_RATE_LIMIT_PER_MINUTE: '120' }), {});
		expect(choice.options).toMatchObject({ lockDurationMs: 5000, stalledIntervalMs: 5000 });
		const limit = { max: 120, durationMs: 60_000 };
		expect(choice.options.rateLimits).toEqual({ indexing: limit, enrichment: limit, transcription: limit });
		expect(chooseQueueBackend(config({}), {}).options.rateLimits).toBeUndefined();
	});

	it("falls back to Directus's REDIS_HOST/PORT/PASSWORD", () => {
		const choice = chooseQueueBackend(config({}), { REDIS_HOST: 'cache', REDIS_PORT: 6380, REDIS_PASSWORD: 'p@ss', REDIS_DB: '2' });
		expect(choice.options).toMatchObject({ backend: 'bullmq', redisUrl: 'redis://:p%40ss@cache:6380/2' });
	});

	it('honours ML_QUEUE=inline even with Redis, and warns for bullmq without Redis', () => {
		expect(chooseQueueBackend(config({ ML_QUEUE: 'inline' }), { REDIS: 'redis://x' }).options.backend).toBe('inline');
		const choice = chooseQueueBackend(config({ ML_QUEUE: 'bullmq' }), {});
		expect(choice.options.backend).toBe('inline');
		expect(choice.warning).toMatch(/ML_REDIS_URL/);
	});

	it('assembles nothing without a host', () => {
		expect(directusRedisUrl({ REDIS_PORT: 1 })).toBeUndefined();
	});
});

describe('createQueue', () => {
	it('builds the requested backend', async () => {
		const queue = createQueue({ backend: 'inline', concurrency: 1 });
		expect(queue).toBeInstanceOf(InlineQueue);
		expect(queue.backend).toBe('inline');
		await queue.close();
	});
});
