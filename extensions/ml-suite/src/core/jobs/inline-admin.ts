import type { CleanableState, DeadLetterEntry, JobListState, SchedulerInfo, ThroughputPoint, WorkerInfo } from '../../shared/queue-types.js';
import { MlError, NotFoundError } from '../errors.js';
import type { InlineJobRecord } from './inline-job-record.js';
import { toJobDetail, toJobSummary } from './inline-job-record.js';
import type { InlineQueue } from './inline-queue.js';
import { nextCronRun } from './next-cron-run.js';
import { concurrencyFor } from './queue-options.js';
import type { QueueAdminBackend } from './queue-admin-backend.js';
import type { JobDetail, JobSummary, QueueCounts, QueueName } from './types.js';

const startedAt = Date.now();

/** `QueueAdminBackend` over the inline queue's in-memory records. */
export class InlineAdmin implements QueueAdminBackend {
	private readonly queue: InlineQueue;

	constructor(queue: InlineQueue) {
		this.queue = queue;
	}

	async counts(queue: QueueName): Promise<QueueCounts> {
		const lane = this.queue.store.lane(queue);
		return {
			queue,
			paused: lane.paused,
			counts: {
				waiting: lane.waiting.length,
				active: lane.active.size,
				delayed: lane.delayed.size,
				completed: lane.completed.length,
				failed: lane.failed.length,
				paused: 0,
				prioritized: 0,
			},
		};
	}

	async throughput(queue: QueueName, minutes: number): Promise<ThroughputPoint[]> {
		return this.queue.counter(queue).points(minutes);
	}

	async countJobs(queue: QueueName, state: JobListState): Promise<number> {
		return this.records(queue, state).length;
	}

	async listJobs(queue: QueueName, state: JobListState, start: number, end: number): Promise<JobSummary[]> {
		return this.records(queue, state).slice(start, end + 1).map(toJobSummary);
	}

	async getJob(queue: QueueName, id: string): Promise<JobDetail | null> {
		const record = this.find(queue, id);
		return record ? toJobDetail(record) : null;
	}

	async retryJob(queue: QueueName, id: string): Promise<void> {
		const record = this.require(queue, id);
		if (record.state !== 'failed') throw conflict(`Job ${id} is ${record.state}; only failed jobs can be retried.`);
		this.retry(record);
	}

	async retryAllFailed(queue: QueueName): Promise<number> {
		const failed = [...this.queue.store.lane(queue).failed];
		for (const record of failed) this.retry(record);
		return failed.length;
	}

	async removeJob(queue: QueueName, id: string): Promise<void> {
		const record = this.require(queue, id);
		if (record.state === 'active') throw conflict(`Job ${id} is active and cannot be removed.`);
		this.queue.store.remove(record);
	}

	async promoteJob(queue: QueueName, id: string): Promise<void> {
		const record = this.require(queue, id);
		if (record.state !== 'delayed') throw conflict(`Job ${id} is ${record.state}; only delayed jobs can be promoted.`);
		this.queue.promote(record);
	}

	async pause(queue: QueueName): Promise<void> {
		this.queue.store.lane(queue).paused = true;
	}

	async resume(queue: QueueName): Promise<void> {
		this.queue.store.lane(queue).paused = false;
		this.queue.pump(queue);
	}

	async clean(queue: QueueName, state: CleanableState, olderThanMs: number, limit: number): Promise<string[]> {
		const cutoff = Date.now() - olderThanMs;
		const removed: string[] = [];
		for (const record of [...this.records(queue, state)].reverse()) {
			if (removed.length >= limit) break;
			if ((record.finishedAt ?? record.createdAt) > cutoff) continue;
			this.queue.store.remove(record);
			removed.push(record.id);
		}
		return removed;
	}

	async countDeadLetters(): Promise<number> {
		return this.queue.store.deadLetters.length;
	}

	async listDeadLetters(start: number, end: number): Promise<DeadLetterEntry[]> {
		return [...this.queue.store.deadLetters].reverse().slice(start, end + 1);
	}

	async getDeadLetter(id: string): Promise<DeadLetterEntry | null> {
		return this.queue.store.deadLetters.find((entry) => entry.id === id) ?? null;
	}

	async removeDeadLetter(id: string): Promise<boolean> {
		return this.queue.store.removeDeadLetter(id);
	}

	async workers(queue: QueueName): Promise<WorkerInfo[]> {
		if (!this.queue.isStarted()) return [];
		const age = Math.round((Date.now() - startedAt) / 1000);
		return [{ queue, id: `inline-${process.pid}`, name: 'inline', addr: null, ageSeconds: age, idleSeconds: 0, concurrency: concurrencyFor(this.queue.tuning, queue) }];
	}

	async schedulers(queue: QueueName): Promise<SchedulerInfo[]> {
		const now = Date.now();
		return [...this.queue.schedulers.entries()]
			.filter(([, s]) => s.queue === queue)
			.map(([key, s]) => ({ queue, key, name: s.name, pattern: s.pattern, next: new Date(nextCronRun(s.pattern, now)).toISOString() }));
	}

	async removeScheduler(queue: QueueName, key: string): Promise<boolean> {
		const scheduler = this.queue.schedulers.get(key);
		return scheduler?.queue === queue ? this.queue.removeScheduler(key) : false;
	}

	/** Waiting in run order; the other states newest first, like the BullMQ backend. */
	private records(queue: QueueName, state: JobListState): InlineJobRecord[] {
		const lane = this.queue.store.lane(queue);
		switch (state) {
			case 'waiting':
				return [...lane.waiting];
			case 'active':
				return [...lane.active.values()].map((a) => a.record).sort((a, b) => b.seq - a.seq);
			case 'delayed':
				return [...lane.delayed.values()].map((d) => d.record).sort((a, b) => (b.runAt ?? 0) - (a.runAt ?? 0));
			case 'completed':
				return [...lane.completed].reverse();
			case 'failed':
				return [...lane.failed].reverse();
		}
	}

	private find(queue: QueueName, id: string): InlineJobRecord | undefined {
		const record = this.queue.store.jobs.get(id);
		return record?.queue === queue ? record : undefined;
	}

	private require(queue: QueueName, id: string): InlineJobRecord {
		const record = this.find(queue, id);
		if (!record) throw new NotFoundError(`Job ${id} was not found in queue "${queue}".`, { queue, id });
		return record;
	}

	private retry(record: InlineJobRecord): void {
		const lane = this.queue.store.lane(record.queue);
		const index = lane.failed.indexOf(record);
		if (index >= 0) lane.failed.splice(index, 1);
		record.attemptsMade = 0;
		record.failedReason = null;
		record.finishedAt = null;
		record.processedAt = null;
		this.queue.store.pushWaiting(record);
		this.queue.pump(record.queue);
	}
}

function conflict(message: string): MlError {
	return new MlError(message, { code: 'JOB_STATE_CONFLICT', status: 409 });
}
