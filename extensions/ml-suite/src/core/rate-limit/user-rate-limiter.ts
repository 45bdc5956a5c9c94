import { Redis, type RedisOptions } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { producerConnection } from '../jobs/bullmq-connection.js';
import { MlError } from '../errors.js';

/** Too many provider-calling requests from one caller in the window: 429 with `Retry-After`. */
export class RateLimitedError extends MlError {
	constructor(limit: number, windowSeconds: number, retryAfterMs: number) {
		super(`Too many requests: at most ${limit} per ${windowSeconds} s per user on the /ml routes that call models (ML_RATE_LIMIT_REQUESTS). Try again in ${Math.ceil(retryAfterMs / 1000)} s.`, {
			code: 'RATE_LIMITED',
			status: 429,
			retryAfterMs,
			details: { limit, windowSeconds },
		});
		this.name = 'RateLimitedError';
	}
}

export interface UserRateLimiterOptions {
	/** Requests per window per key; 0 turns the limiter off. */
	points: number;
	windowSeconds: number;
	/** Shared counters in this Redis (every instance counts together); otherwise per process. */
	redisUrl?: string;
	/** Key prefix in Redis. */
	keyPrefix?: string;
}

export interface UserRateLimiter {
	/** Where the counters live: `redis` (shared by every instance), `memory` (this process), `off`. */
	readonly store: 'redis' | 'memory' | 'off';
	/** Counts one request for `key`; throws `RateLimitedError` when over the limit. */
	consume(key: string): Promise<void>;
	/** Resolves once the shared store is connected (at once without one). */
	ready(): Promise<void>;
	close(): Promise<void>;
}

/**
 * A fixed-window request limit per caller, on `rate-limiter-flexible` (the library Directus's own
 * rate limiter uses). With Redis the window is shared by every Directus instance; while Redis is
 * unreachable each process falls back to counting on its own (the insurance limiter), so an
 * outage neither blocks everyone nor lifts the limit.
 */
export function createUserRateLimiter(options: UserRateLimiterOptions): UserRateLimiter {
	const { points, windowSeconds } = options;
	if (points <= 0) return { store: 'off', consume: async () => undefined, ready: async () => undefined, close: async () => undefined };
	const memory = new RateLimiterMemory({ points, duration: windowSeconds });
	let redis: Redis | undefined;
	let limiter: RateLimiterAbstract = memory;
	if (options.redisUrl) {
		// bullmq bundles its own ioredis types; the options are plain ioredis options.
		redis = new Redis(producerConnection(options.redisUrl) as unknown as RedisOptions);
		// Connection errors are reported by the queue's health check; here they only mean "count locally".
		redis.on('error', () => undefined);
		limiter = new RateLimiterRedis({
			storeClient: redis,
			keyPrefix: options.keyPrefix ?? 'ml:rate',
			points,
			duration: windowSeconds,
			rejectIfRedisNotReady: true,
			insuranceLimiter: new RateLimiterMemory({ points, duration: windowSeconds }),
		});
	}
	return {
		store: redis ? 'redis' : 'memory',
		async consume(key) {
			try {
				await limiter.consume(key, 1);
			} catch (rejection) {
				if (rejection instanceof RateLimiterRes) throw new RateLimitedError(points, windowSeconds, Math.max(1000, rejection.msBeforeNext));
				throw rejection;
			}
		},
		async ready() {
			const client = redis;
			if (!client || client.status === 'ready') return;
			await new Promise<void>((resolve) => client.once('ready', () => resolve()));
		},
		async close() {
			redis?.disconnect();
		},
	};
}
