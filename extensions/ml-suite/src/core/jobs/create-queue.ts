import type { MlConfig } from '../config.js';
import type { BullmqQueueDeps, BullmqQueueOptions } from './bullmq-queue.js';
import { BullmqQueue } from './bullmq-queue.js';
import type { InlineQueueDeps, InlineQueueOptions } from './inline-queue.js';
import { InlineQueue } from './inline-queue.js';
import type { AdministrableQueue } from './queue-admin-backend.js';

export type QueueBackendOptions = ({ backend: 'inline' } & InlineQueueOptions) | ({ backend: 'bullmq' } & BullmqQueueOptions);

export type QueueDeps = InlineQueueDeps & BullmqQueueDeps;

/** Builds the configured backend. */
export function createQueue(options: QueueBackendOptions, deps: QueueDeps = {}): AdministrableQueue {
	switch (options.backend) {
		case 'inline':
			return new InlineQueue(options, deps);
		case 'bullmq':
			return new BullmqQueue(options, deps);
		default: {
			const unknown: never = options;
			throw new Error(`Unknown queue backend: ${JSON.stringify(unknown)}`);
		}
	}
}

/** Directus's own Redis settings, as found in its environment. */
export interface DirectusRedisEnv {
	REDIS?: unknown;
	REDIS_HOST?: unknown;
	REDIS_PORT?: unknown;
	REDIS_USERNAME?: unknown;
	REDIS_PASSWORD?: unknown;
	REDIS_DB?: unknown;
}

export interface QueueBackendChoice {
	options: QueueBackendOptions;
	/** Why this backend, for the start-up log. */
	reason: string;
	/** Set when the configuration asked for something that could not be honoured. */
	warning?: string;
}

/**
 * Picks the backend: `ML_QUEUE=inline|bullmq` wins; `auto` uses BullMQ when a Redis is known
 * (`ML_REDIS_URL`, else Directus's `REDIS` or `REDIS_HOST`/`REDIS_PORT`/…). `bullmq` without any
 * Redis falls back to inline with a warning rather than keeping Directus from starting.
 */
export function chooseQueueBackend(config: MlConfig, directusEnv: DirectusRedisEnv = {}): QueueBackendChoice {
	const perMinute = config.ML_QUEUE_RATE_LIMIT_PER_MINUTE;
	const limit = { max: perMinute, durationMs: 60_000 };
	const tuning = {
		concurrency: config.ML_WORKER_CONCURRENCY,
		// Evaluations time every search: two at once on the same worker would skew each other's latencies.
		concurrencyByQueue: { evaluation: 1 },
		...(perMinute > 0 ? { rateLimits: { indexing: limit, enrichment: limit, transcription: limit } } : {}),
	};
	const redisUrl = config.ML_REDIS_URL ?? directusRedisUrl(directusEnv);
	const source = config.ML_REDIS_URL ? 'ML_REDIS_URL' : "Directus's REDIS settings";
	if (config.ML_QUEUE === 'inline') return { options: { backend: 'inline', ...tuning }, reason: 'ML_QUEUE=inline' };
	if (redisUrl) {
		return {
			options: { backend: 'bullmq', redisUrl, prefix: config.ML_QUEUE_PREFIX, lockDurationMs: config.ML_QUEUE_LOCK_MS, stalledIntervalMs: config.ML_QUEUE_LOCK_MS, ...tuning },
			reason: `ML_QUEUE=${config.ML_QUEUE} with Redis from ${source}`,
		};
	}
	if (config.ML_QUEUE === 'bullmq') {
		return {
			options: { backend: 'inline', ...tuning },
			reason: 'no Redis configured',
			warning: 'ML_QUEUE=bullmq needs a Redis: set ML_REDIS_URL (or Directus\'s REDIS). Using the inline queue meanwhile.',
		};
	}
	return { options: { backend: 'inline', ...tuning }, reason: 'ML_QUEUE=auto and no Redis configured' };
}

function text(value: unknown): string | undefined {
	if (value === undefined || value === null) return undefined;
	const s = String(value).trim();
	return s === '' ? undefined : s;
}

/** `REDIS` as given, or a URL assembled from `REDIS_HOST`, `REDIS_PORT`, `REDIS_USERNAME`, `REDIS_PASSWORD`, `REDIS_DB`. */
export function directusRedisUrl(env: DirectusRedisEnv): string | undefined {
	const url = text(env.REDIS);
	if (url) return url;
	const host = text(env.REDIS_HOST);
	if (!host) return undefined;
	const user = text(env.REDIS_USERNAME);
	const password = text(env.REDIS_PASSWORD);
	const auth = password ? `${encodeURIComponent(user ?? '')}:${encodeURIComponent(password)}@` : user ? `${encodeURIComponent(user)}@` : '';
	const db = text(env.REDIS_DB);
	return `redis://${auth}${host}:${text(env.REDIS_PORT) ?? '6379'}${db ? `/${db}` : ''}`;
}
