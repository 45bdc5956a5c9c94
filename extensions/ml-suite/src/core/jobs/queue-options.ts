import type { BackoffOptions } from './compute-backoff-delay.js';
import { DEFAULT_BACKOFF } from './compute-backoff-delay.js';
import type { QueueName } from './types.js';

/** Max jobs started per `durationMs`, e.g. to stay under a provider's requests-per-minute. */
export interface RateLimit {
	max: number;
	durationMs: number;
}

/** How long finished jobs are kept. Whichever limit is reached first removes a job. */
export interface Retention {
	/** Most jobs kept. */
	count: number;
	/** Oldest job kept, in seconds. */
	ageSeconds: number;
}

/** A function that receives the dependencies handed to every processor. */
export type JobDepsResolver = () => unknown;

/** Options both backends understand. Every field is optional; defaults are listed per field. */
export interface QueueTuning {
	/** Concurrent jobs per queue (per worker process for BullMQ). Default: 2. */
	concurrency?: number;
	/** Per-queue concurrency overrides. Default: none. */
	concurrencyByQueue?: Partial<Record<QueueName, number>>;
	/** Attempts (including the first) when neither the definition nor the enqueue call sets them. Default: 5. */
	defaultAttempts?: number;
	/** Retry backoff. Default: 1 s doubling, 25 % jitter, 5 min cap. */
	backoff?: BackoffOptions;
	/** Completed jobs kept. Default: 1000 jobs, 24 h. */
	keepCompleted?: Retention;
	/** Failed jobs kept. Default: 5000 jobs, 7 days. */
	keepFailed?: Retention;
	/** Dead-letter entries kept (inline only; BullMQ keeps them until requeued or removed). Default: 1000. */
	keepDeadLetters?: number;
	/** Log lines kept per job (inline only; BullMQ keeps all). Default: 200. */
	keepLogs?: number;
	/** Per-queue rate limits (BullMQ: the worker limiter; inline: the same window). Default: none. */
	rateLimits?: Partial<Record<QueueName, RateLimit>>;
	/** Minutes of per-minute throughput kept. Default: 1440 (one day). */
	metricsMinutes?: number;
	/** How long `close()` waits for active jobs before leaving them (inline: aborted; BullMQ: stall recovery). Default: 30000. */
	closeTimeoutMs?: number;
}

export interface ResolvedTuning {
	concurrency: number;
	concurrencyByQueue: Partial<Record<QueueName, number>>;
	defaultAttempts: number;
	backoff: Required<BackoffOptions>;
	keepCompleted: Retention;
	keepFailed: Retention;
	keepDeadLetters: number;
	keepLogs: number;
	rateLimits: Partial<Record<QueueName, RateLimit>>;
	metricsMinutes: number;
	closeTimeoutMs: number;
}

export function resolveTuning(tuning: QueueTuning = {}): ResolvedTuning {
	return {
		concurrency: tuning.concurrency ?? 2,
		concurrencyByQueue: tuning.concurrencyByQueue ?? {},
		defaultAttempts: tuning.defaultAttempts ?? 5,
		backoff: { ...DEFAULT_BACKOFF, ...tuning.backoff },
		keepCompleted: tuning.keepCompleted ?? { count: 1000, ageSeconds: 24 * 3600 },
		keepFailed: tuning.keepFailed ?? { count: 5000, ageSeconds: 7 * 24 * 3600 },
		keepDeadLetters: tuning.keepDeadLetters ?? 1000,
		keepLogs: tuning.keepLogs ?? 200,
		rateLimits: tuning.rateLimits ?? {},
		metricsMinutes: tuning.metricsMinutes ?? 1440,
		closeTimeoutMs: tuning.closeTimeoutMs ?? 30_000,
	};
}

export function concurrencyFor(tuning: ResolvedTuning, queue: QueueName): number {
	return Math.max(1, tuning.concurrencyByQueue[queue] ?? tuning.concurrency);
}
