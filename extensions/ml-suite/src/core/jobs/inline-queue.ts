import type { z } from 'zod';
import { retryAfterOf } from '../errors.js';
import { retryDelay } from './compute-backoff-delay.js';
import { InlineAdmin } from './inline-admin.js';
import type { InlineJobRecord } from './inline-job-record.js';
import { InlineJobStore } from './inline-job-store.js';
import type { InlineJournal, InlineJournalSnapshot } from './inline-journal.js';
import { failureMessage, failureStack, isUnrecoverable } from './job-failure.js';
import { priorityValue } from './job-priority.js';
import type { ErasedJobDefinition } from './job-registry.js';
import { JobRegistry } from './job-registry.js';
import { MinuteCounter } from './minute-counter.js';
import { nextCronRun } from './next-cron-run.js';
import { parseJobPayload } from './parse-job-payload.js';
import type { QueueAdminBackend } from './queue-admin-backend.js';
import type { JobDepsResolver, QueueTuning, ResolvedTuning } from './queue-options.js';
import { concurrencyFor, resolveTuning } from './queue-options.js';
import { QueueUnavailableError } from './queue-unavailable-error.js';
import type { EnqueuedJob, EnqueueOptions, JobContext, JobDefinition, Queue, QueueName } from './types.js';
import { QUEUE_NAMES } from './types.js';
import { UnrecoverableJobError } from './unrecoverable-job-error.js';

/** Options of the in-process backend. */
export interface InlineQueueOptions extends QueueTuning {
	/** Source of randomness for backoff jitter (tests pin it). Default: `Math.random`. */
	random?: () => number;
}

/** What the inline backend needs from its host. */
export interface InlineQueueDeps {
	/** Dependencies handed to every processor. Default: `undefined`. */
	jobDeps?: JobDepsResolver;
	/**
	 * Durable history: jobs, dead letters, throughput and the last job id, read back at start so
	 * a restart keeps them and ids continue. Default: none (history lives in memory only).
	 */
	journal?: InlineJournal;
}

/**
 * In-process queue: bounded concurrency per queue, priorities, delayed and cron jobs via
 * timers, retries with backoff, a dead-letter list. With a journal, history, dead letters,
 * throughput and unfinished jobs survive a restart (unfinished ones run again; cron runs are
 * re-created by their schedulers); without one they die with the process, and the per-item
 * state rows and the reconcile sweep make up for that.
 */
export class InlineQueue implements Queue {
	readonly backend = 'inline' as const;
	readonly admin: QueueAdminBackend;
	readonly tuning: ResolvedTuning;
	readonly store: InlineJobStore;
	readonly metrics = new Map<QueueName, MinuteCounter>();
	readonly schedulers = new Map<string, { queue: QueueName; name: string; pattern: string; data: unknown; options: EnqueueOptions }>();
	private readonly registry = new JobRegistry();
	private readonly random: () => number;
	private readonly jobDeps: JobDepsResolver;
	private started = false;
	private closed = false;
	private nextId = 0;
	private deadLetterSeq = 0;
	private readonly limiterTimers = new Set<NodeJS.Timeout>();
	private readonly journal: InlineJournal | undefined;
	private restored: Promise<void> | undefined;
	private journalError: string | undefined;

	constructor(options: InlineQueueOptions = {}, deps: InlineQueueDeps = {}) {
		this.tuning = resolveTuning(options);
		this.random = options.random ?? Math.random;
		this.jobDeps = deps.jobDeps ?? (() => undefined);
		this.journal = deps.journal;
		this.store = new InlineJobStore(deps.journal);
		this.admin = new InlineAdmin(this);
	}

	/** Reads the journal back once (before the first job is enqueued or run). */
	ready(): Promise<void> {
		this.restored ??= this.restore();
		return this.restored;
	}

	private async restore(): Promise<void> {
		if (!this.journal) return;
		let snapshot: InlineJournalSnapshot;
		try {
			snapshot = await this.journal.load();
		} catch (error) {
			// Jobs must still run when the history cannot be read; health says what is missing.
			this.journalError = `Queue history could not be read: ${failureMessage(error)}`;
			return;
		}
		this.nextId = Math.max(this.nextId, snapshot.lastJobId);
		this.deadLetterSeq = Math.max(this.deadLetterSeq, snapshot.lastDeadLetterId);
		for (const record of snapshot.jobs) {
			if (this.store.jobs.has(record.id)) continue;
			if (record.state === 'completed' || record.state === 'failed') {
				this.store.restoreFinished(record);
				continue;
			}
			// A cron run is re-created by its scheduler when the process registers it again.
			if (record.repeatKey) {
				this.journal.removeJob(record.id);
				continue;
			}
			// Unfinished work of the previous process runs again (processors are idempotent).
			this.store.add(record);
			if (record.state === 'delayed' && record.runAt !== null) this.store.pushDelayed(record, record.runAt, (due) => this.promote(due));
			else this.store.pushWaiting(record);
		}
		for (const entry of snapshot.deadLetters) this.store.restoreDeadLetter(entry);
		for (const point of snapshot.throughput) this.counter(point.queue).restore(point.minute, point.completed, point.failed);
	}

	register<Deps>(definition: JobDefinition<z.ZodType, Deps, unknown>): void {
		this.registry.register(definition);
	}

	definition(name: string): ErasedJobDefinition | undefined {
		return this.registry.find(name);
	}

	async enqueue(name: string, data: unknown, options: EnqueueOptions = {}): Promise<EnqueuedJob> {
		if (this.closed) throw new QueueUnavailableError('The inline queue is closed.');
		await this.ready();
		const definition = this.registry.get(name);
		const payload = parseJobPayload(definition, data);
		if (options.repeat) return this.schedule(definition, payload, options);
		if (options.jobId) {
			const duplicate = this.store.findDuplicate(definition.queue, options.jobId);
			if (duplicate) return { id: duplicate.id, name, queue: definition.queue };
		}
		const record = this.createRecord(definition, payload, options, null);
		return { id: record.id, name, queue: definition.queue };
	}

	async startWorkers(): Promise<void> {
		if (this.closed) throw new QueueUnavailableError('The inline queue is closed.');
		await this.ready();
		this.started = true;
		for (const queue of this.registry.queues()) this.pump(queue);
	}

	async close(options: { timeoutMs?: number } = {}): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		this.store.clearTimers();
		for (const timer of this.limiterTimers) clearTimeout(timer);
		const active = [...this.allActive()];
		let timer: NodeJS.Timeout | undefined;
		const timedOut = new Promise<'timeout'>((resolve) => {
			timer = setTimeout(() => resolve('timeout'), options.timeoutMs ?? this.tuning.closeTimeoutMs);
		});
		const outcome = await Promise.race([Promise.allSettled(active.map((job) => job.done)), timedOut]);
		clearTimeout(timer);
		// Jobs still running are abandoned: tell them, so cooperative processors stop writing.
		if (outcome === 'timeout') for (const job of active) job.controller.abort(new QueueUnavailableError('The queue was closed.'));
		this.store.clearTimers();
		await this.journal?.close();
	}

	async health(): Promise<{ ok: boolean; message?: string }> {
		if (this.closed) return { ok: false, message: 'The inline queue is closed.' };
		return this.journalError ? { ok: true, message: this.journalError } : { ok: true };
	}

	/** Runs waiting jobs while the queue has free slots. */
	pump(queue: QueueName): void {
		if (!this.started || this.closed) return;
		const lane = this.store.lane(queue);
		const limit = this.tuning.rateLimits[queue];
		while (!lane.paused && lane.active.size < concurrencyFor(this.tuning, queue) && lane.waiting.length > 0) {
			if (limit) {
				const now = Date.now();
				while (lane.starts.length > 0 && lane.starts[0]! <= now - limit.durationMs) lane.starts.shift();
				if (lane.starts.length >= limit.max) {
					const timer = setTimeout(() => {
						this.limiterTimers.delete(timer);
						this.pump(queue);
					}, lane.starts[0]! + limit.durationMs - now);
					timer.unref();
					this.limiterTimers.add(timer);
					return;
				}
				lane.starts.push(now);
			}
			this.run(lane.waiting.shift()!);
		}
	}

	/** Moves a delayed job to waiting (timer fired or promoted) and keeps cron chains going. */
	promote(record: InlineJobRecord): void {
		this.store.takeDelayed(record);
		this.store.pushWaiting(record);
		if (record.repeatKey) this.scheduleNext(record.repeatKey);
		this.pump(record.queue);
	}

	counter(queue: QueueName): MinuteCounter {
		let counter = this.metrics.get(queue);
		if (!counter) {
			counter = new MinuteCounter(this.tuning.metricsMinutes);
			this.metrics.set(queue, counter);
		}
		return counter;
	}

	isStarted(): boolean {
		return this.started && !this.closed;
	}

	private createRecord(definition: ErasedJobDefinition, payload: unknown, options: EnqueueOptions, repeatKey: string | null, runAt?: number): InlineJobRecord {
		const now = Date.now();
		const record: InlineJobRecord = {
			id: String(++this.nextId),
			name: definition.name,
			queue: definition.queue,
			data: payload,
			priority: priorityValue(options.priority ?? definition.priority),
			maxAttempts: Math.max(1, options.attempts ?? definition.attempts ?? this.tuning.defaultAttempts),
			dedupeKey: options.jobId ?? null,
			repeatKey,
			delayMs: options.delayMs ?? 0,
			state: 'waiting',
			seq: this.store.nextSeq(),
			attemptsMade: 0,
			progress: 0,
			logs: [],
			createdAt: now,
			runAt: null,
			processedAt: null,
			finishedAt: null,
			failedReason: null,
			stacktrace: [],
			returnValue: undefined,
			item: definition.describeItem(payload),
		};
		this.store.add(record);
		const dueAt = runAt ?? (options.delayMs && options.delayMs > 0 ? now + options.delayMs : undefined);
		if (dueAt !== undefined) this.store.pushDelayed(record, dueAt, (due) => this.promote(due));
		else {
			this.store.pushWaiting(record);
			this.pump(record.queue);
		}
		return record;
	}

	private schedule(definition: ErasedJobDefinition, payload: unknown, options: EnqueueOptions): EnqueuedJob {
		const repeat = options.repeat!;
		const key = repeat.key ?? definition.name;
		nextCronRun(repeat.pattern, Date.now()); // validates the pattern before anything changes
		this.removeScheduler(key);
		this.schedulers.set(key, { queue: definition.queue, name: definition.name, pattern: repeat.pattern, data: payload, options: { ...options, repeat: undefined } });
		const record = this.scheduleNext(key)!;
		return { id: record.id, name: definition.name, queue: definition.queue };
	}

	private scheduleNext(key: string): InlineJobRecord | undefined {
		const scheduler = this.schedulers.get(key);
		const definition = scheduler && this.registry.find(scheduler.name);
		if (!scheduler || !definition || this.closed) return undefined;
		return this.createRecord(definition, scheduler.data, scheduler.options, key, nextCronRun(scheduler.pattern, Date.now()));
	}

	/** Stops a cron chain and drops its pending run. */
	removeScheduler(key: string): boolean {
		if (!this.schedulers.delete(key)) return false;
		for (const record of this.store.jobs.values()) {
			if (record.repeatKey === key && record.state === 'delayed') this.store.remove(record);
		}
		return true;
	}

	private *allActive(): Iterable<{ done: Promise<void>; controller: AbortController }> {
		for (const queue of QUEUE_NAMES) yield* this.store.lane(queue).active.values();
	}

	private run(record: InlineJobRecord): void {
		const lane = this.store.lane(record.queue);
		const controller = new AbortController();
		record.state = 'active';
		record.processedAt = Date.now();
		this.store.touch(record);
		const done = this.execute(record, controller.signal).finally(() => {
			lane.active.delete(record.id);
			this.pump(record.queue);
		});
		lane.active.set(record.id, { record, controller, done });
	}

	private async execute(record: InlineJobRecord, signal: AbortSignal): Promise<void> {
		const attempt = record.attemptsMade + 1;
		const ctx: JobContext = {
			jobId: record.id,
			attempt,
			signal,
			progress: async (value) => {
				record.progress = value;
			},
			log: async (message) => {
				record.logs.push(message);
				if (record.logs.length > this.tuning.keepLogs) record.logs.splice(0, record.logs.length - this.tuning.keepLogs);
			},
		};
		try {
			const definition = this.registry.find(record.name);
			if (!definition) throw new UnrecoverableJobError(`No job "${record.name}" is registered in this process.`);
			const result = await definition.process(record.data, await this.jobDeps(), ctx);
			record.attemptsMade = attempt;
			record.returnValue = result;
			record.failedReason = null;
			this.store.finish(record, 'completed', this.tuning.keepCompleted, Date.now());
			this.counter(record.queue).record('completed');
		} catch (error) {
			record.attemptsMade = attempt;
			record.failedReason = failureMessage(error);
			record.stacktrace.push(failureStack(error));
			if (!isUnrecoverable(error) && attempt < record.maxAttempts) {
				const delay = retryDelay(attempt, retryAfterOf(error), this.tuning.backoff, this.random);
				this.store.pushDelayed(record, Date.now() + delay, (due) => this.promote(due));
				return;
			}
			this.store.finish(record, 'failed', this.tuning.keepFailed, Date.now());
			this.counter(record.queue).record('failed');
			this.store.addDeadLetter(
				{
					id: `dl-${++this.deadLetterSeq}`,
					queue: record.queue,
					name: record.name,
					jobId: record.id,
					data: record.data,
					error: record.failedReason,
					stacktrace: [...record.stacktrace],
					attemptsMade: attempt,
					item: record.item,
					failedAt: new Date().toISOString(),
				},
				this.tuning.keepDeadLetters,
			);
		}
	}
}
