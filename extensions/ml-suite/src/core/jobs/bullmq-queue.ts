import { hostname } from 'node:os';
import type { JobsOptions } from 'bullmq';
import { Queue as BullQueue, Worker } from 'bullmq';
import type { z } from 'zod';
import { isMlError, retryAfterOf } from '../errors.js';
import { BullmqAdmin } from './bullmq-admin.js';
import { guardRedisAdmin } from './redis-guarded-admin.js';
import { producerConnection, useIoredisForBullmq, withTimeout, workerConnection } from './bullmq-connection.js';
import type { QueueLogger } from './bullmq-processor.js';
import { createProcessor, writeDeadLetter } from './bullmq-processor.js';
import { retryDelay } from './compute-backoff-delay.js';
import { priorityValue } from './job-priority.js';
import { JobRegistry } from './job-registry.js';
import type { ErasedJobDefinition } from './job-registry.js';
import { nextCronRun } from './next-cron-run.js';
import { parseJobPayload } from './parse-job-payload.js';
import type { QueueAdminBackend } from './queue-admin-backend.js';
import type { JobDepsResolver, QueueTuning, ResolvedTuning } from './queue-options.js';
import { concurrencyFor, resolveTuning } from './queue-options.js';
import { QueueUnavailableError } from './queue-unavailable-error.js';
import type { EnqueuedJob, EnqueueOptions, JobDefinition, Queue, QueueName } from './types.js';
import { QUEUE_NAMES } from './types.js';

/** Name of the BullMQ queue holding dead-letter records (same prefix as the job queues). */
export const DEAD_LETTER_QUEUE = 'dead-letter';
const BACKOFF_TYPE = 'ml-exponential';

export interface BullmqQueueOptions extends QueueTuning {
	/** `redis://[user:password@]host:port[/db]` or `rediss://…`. */
	redisUrl: string;
	/** Key prefix for every queue (separates suites sharing a Redis). */
	prefix: string;
	/** How long `enqueue` waits for Redis before `QueueUnavailableError`. Default: 2000. */
	enqueueTimeoutMs?: number;
	/** How often workers look for stalled jobs (holder died), in ms. Default: 30000. */
	stalledIntervalMs?: number;
	/** Times a job may stall and be restarted before it fails. Default: 2. */
	maxStalledCount?: number;
	/** Job lock duration, renewed while the job runs; a dead worker's job stalls after it. Default: 30000. */
	lockDurationMs?: number;
	/** Name shown in the connected-workers list. Default: `ml-<hostname>-<pid>`. */
	workerName?: string;
	/** Source of randomness for backoff jitter. Default: `Math.random`. */
	random?: () => number;
}

export interface BullmqQueueDeps {
	/** Dependencies handed to every processor. Default: `undefined`. */
	jobDeps?: JobDepsResolver;
	/** Default: drops messages. */
	logger?: QueueLogger;
}

const silent: QueueLogger = { warn: () => undefined, error: () => undefined };

/**
 * Redis-backed queue on BullMQ: one BullMQ queue per `QueueName`, workers per queue when
 * `startWorkers()` is called, a `dead-letter` queue for jobs that used up their attempts.
 * Stalled jobs (a worker process died) are recovered by BullMQ's stalled-job checker.
 */
export class BullmqQueue implements Queue {
	readonly backend = 'bullmq' as const;
	readonly admin: QueueAdminBackend;
	readonly tuning: ResolvedTuning;
	readonly registry = new JobRegistry();
	readonly queues = new Map<QueueName, BullQueue>();
	readonly deadLetters: BullQueue;
	readonly workers = new Map<QueueName, Worker>();
	private readonly options: BullmqQueueOptions;
	private readonly jobDeps: JobDepsResolver;
	private readonly logger: QueueLogger;
	private readonly random: () => number;
	private readonly handled = new WeakSet<Error>();
	private readonly lastErrorLog = new Map<string, number>();
	private closed = false;

	constructor(options: BullmqQueueOptions, deps: BullmqQueueDeps = {}) {
		this.options = options;
		this.tuning = resolveTuning(options);
		this.jobDeps = deps.jobDeps ?? (() => undefined);
		this.logger = deps.logger ?? silent;
		this.random = options.random ?? Math.random;
		useIoredisForBullmq();
		const connection = producerConnection(options.redisUrl);
		for (const name of QUEUE_NAMES) {
			const queue = new BullQueue(name, { connection, prefix: options.prefix });
			queue.on('error', (error) => this.logConnectionError(name, error));
			this.queues.set(name, queue);
		}
		this.deadLetters = new BullQueue(DEAD_LETTER_QUEUE, { connection, prefix: options.prefix });
		this.deadLetters.on('error', (error) => this.logConnectionError(DEAD_LETTER_QUEUE, error));
		this.admin = guardRedisAdmin(new BullmqAdmin(this));
	}

	register<Deps>(definition: JobDefinition<z.ZodType, Deps, unknown>): void {
		this.registry.register(definition);
	}

	definition(name: string): ErasedJobDefinition | undefined {
		return this.registry.find(name);
	}

	bullQueue(name: QueueName): BullQueue {
		return this.queues.get(name)!;
	}

	async enqueue(name: string, data: unknown, options: EnqueueOptions = {}): Promise<EnqueuedJob> {
		if (this.closed) throw new QueueUnavailableError('The queue is closed.');
		const definition = this.registry.get(name);
		const payload = parseJobPayload(definition, data);
		if (options.repeat) nextCronRun(options.repeat.pattern, Date.now());
		const queue = this.bullQueue(definition.queue);
		const jobOptions = this.jobOptions(definition, options);
		const add = options.repeat
			? queue.upsertJobScheduler(options.repeat.key ?? definition.name, { pattern: options.repeat.pattern }, { name, data: payload, opts: jobOptions })
			: queue.add(name, payload, {
					...jobOptions,
					...(options.delayMs && options.delayMs > 0 ? { delay: options.delayMs } : {}),
					...(options.jobId ? { deduplication: { id: options.jobId } } : {}),
				});
		try {
			const job = await withTimeout(add, this.options.enqueueTimeoutMs ?? 2000, () => new Error('Timed out waiting for Redis'));
			return { id: String(job?.id ?? ''), name, queue: definition.queue };
		} catch (error) {
			if (isMlError(error)) throw error;
			throw new QueueUnavailableError(`Redis is not reachable; job "${name}" was not queued.`, { cause: error, details: { queue: definition.queue } });
		}
	}

	async startWorkers(): Promise<void> {
		if (this.closed) throw new QueueUnavailableError('The queue is closed.');
		const connection = workerConnection(this.options.redisUrl);
		for (const name of this.registry.queues()) {
			if (this.workers.has(name)) continue;
			const limiter = this.tuning.rateLimits[name];
			const worker = new Worker(name, createProcessor({ queue: name, registry: this.registry, jobDeps: this.jobDeps, deadLetters: this.deadLetters, logger: this.logger, handled: this.handled }), {
				connection,
				prefix: this.options.prefix,
				name: this.options.workerName ?? `ml-${hostname()}-${process.pid}`,
				concurrency: concurrencyFor(this.tuning, name),
				...(limiter ? { limiter: { max: limiter.max, duration: limiter.durationMs } } : {}),
				metrics: { maxDataPoints: this.tuning.metricsMinutes },
				stalledInterval: this.options.stalledIntervalMs ?? 30_000,
				maxStalledCount: this.options.maxStalledCount ?? 2,
				lockDuration: this.options.lockDurationMs ?? 30_000,
				removeOnComplete: { age: this.tuning.keepCompleted.ageSeconds, count: this.tuning.keepCompleted.count },
				removeOnFail: { age: this.tuning.keepFailed.ageSeconds, count: this.tuning.keepFailed.count },
				settings: { backoffStrategy: (attemptsMade: number, _type?: string, error?: Error) => retryDelay(attemptsMade, retryAfterOf(error), this.tuning.backoff, this.random) },
			});
			worker.on('error', (error) => this.logConnectionError(`worker:${name}`, error));
			// Failures that never reached the processor (stalled too often) still belong in the dead-letter queue.
			worker.on('failed', (job, error) => {
				if (!job || this.handled.has(error)) return;
				// Non-final attempts also emit `failed`; only a failure BullMQ made final (stall limit, start limit) counts.
				const final = job.attemptsMade >= (job.opts.attempts ?? 1) || error.name === 'UnrecoverableError' || /stalled/i.test(error.message);
				if (!final) return;
				void writeDeadLetter({ queue: name, registry: this.registry, jobDeps: this.jobDeps, deadLetters: this.deadLetters, logger: this.logger, handled: this.handled }, job, error, job.attemptsMade);
			});
			this.workers.set(name, worker);
		}
		try {
			await withTimeout(Promise.all([...this.workers.values()].map((w) => w.waitUntilReady())), this.options.enqueueTimeoutMs ?? 2000, () => new Error('Timed out waiting for Redis'));
		} catch (error) {
			throw new QueueUnavailableError('Redis is not reachable; workers are not running yet (they keep reconnecting).', { cause: error });
		}
	}

	async close(options: { timeoutMs?: number } = {}): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		const workers = [...this.workers.values()];
		try {
			await withTimeout(Promise.all(workers.map((w) => w.close())), options.timeoutMs ?? this.tuning.closeTimeoutMs, () => new Error('close timeout'));
		} catch {
			// Jobs still running keep their Redis state; the stalled-job checker hands them to another worker.
			await Promise.allSettled(workers.map((w) => w.close(true)));
		}
		await Promise.allSettled([...this.queues.values(), this.deadLetters].map((q) => q.close()));
	}

	async health(): Promise<{ ok: boolean; message?: string }> {
		try {
			const client = await withTimeout(this.bullQueue('indexing').getBackend().connection.client, 1000, () => new Error('Timed out waiting for Redis'));
			// BullMQ types its client as a generic IRedisClient; with the ioredis connection it is an ioredis client.
			const redis = client as unknown as { ping(): Promise<string> };
			await withTimeout(redis.ping(), 1000, () => new Error('Redis did not answer PING'));
			return { ok: true };
		} catch (error) {
			return { ok: false, message: `Redis is not reachable: ${error instanceof Error ? error.message : String(error)}` };
		}
	}

	private jobOptions(definition: ErasedJobDefinition, options: EnqueueOptions): JobsOptions {
		return {
			priority: priorityValue(options.priority ?? definition.priority),
			attempts: Math.max(1, options.attempts ?? definition.attempts ?? this.tuning.defaultAttempts),
			backoff: { type: BACKOFF_TYPE },
			removeOnComplete: { age: this.tuning.keepCompleted.ageSeconds, count: this.tuning.keepCompleted.count },
			removeOnFail: { age: this.tuning.keepFailed.ageSeconds, count: this.tuning.keepFailed.count },
		};
	}

	/** Connection errors repeat on every reconnect attempt; log each source at most every 30 s. */
	private logConnectionError(source: string, error: unknown): void {
		const now = Date.now();
		if ((this.lastErrorLog.get(source) ?? 0) > now - 30_000) return;
		this.lastErrorLog.set(source, now);
		this.logger.warn({ err: error, source }, 'ML queue: Redis connection problem');
	}
}
