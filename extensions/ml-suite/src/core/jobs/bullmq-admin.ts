import type { Job, JobType } from 'bullmq';
import type { CleanableState, DeadLetterEntry, JobListState, SchedulerInfo, ThroughputPoint, WorkerInfo } from '../../shared/queue-types.js';
import { MlError, NotFoundError } from '../errors.js';
import { toDeadLetterEntry, toJobDetail, toJobSummary } from './bullmq-job-mapper.js';
import type { BullmqQueue } from './bullmq-queue.js';
import { concurrencyFor } from './queue-options.js';
import type { QueueAdminBackend } from './queue-admin-backend.js';
import type { JobDetail, JobSummary, QueueCounts, QueueName } from './types.js';

const MINUTE = 60_000;

/**
 * `QueueAdminBackend` over BullMQ. `waiting` spans BullMQ's `wait` list and `prioritized` set
 * (every job has a priority, so most waiting jobs are `prioritized`), listed in run order.
 */
export class BullmqAdmin implements QueueAdminBackend {
	private readonly owner: BullmqQueue;

	constructor(owner: BullmqQueue) {
		this.owner = owner;
	}

	async counts(queue: QueueName): Promise<QueueCounts> {
		const q = this.owner.bullQueue(queue);
		const [counts, paused] = await Promise.all([q.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized'), q.isPaused()]);
		const n = (key: string): number => counts[key] ?? 0;
		// BullMQ 6 has no separate paused list: a paused queue's jobs stay in its wait list and are
		// counted as waiting, so `paused` is 0 here as it is for the inline queue.
		return {
			queue,
			paused,
			counts: { waiting: n('waiting'), active: n('active'), delayed: n('delayed'), completed: n('completed'), failed: n('failed'), paused: 0, prioritized: n('prioritized') },
		};
	}

	/**
	 * BullMQ's metrics list holds one point per finished minute, newest first, ending the
	 * minute before `prevTS`; the minute of `prevTS` is still open (`count - prevCount`).
	 */
	async throughput(queue: QueueName, minutes: number): Promise<ThroughputPoint[]> {
		const q = this.owner.bullQueue(queue);
		const [completed, failed] = await Promise.all([q.getMetrics('completed', 0, minutes), q.getMetrics('failed', 0, minutes)]);
		const current = Math.floor(Date.now() / MINUTE);
		const perMinute = (metrics: typeof completed, minute: number): number => {
			if (!metrics.meta.prevTS) return 0;
			const open = Math.floor(metrics.meta.prevTS / MINUTE);
			if (minute === open) return Math.max(0, metrics.meta.count - metrics.meta.prevCount);
			if (minute > open) return 0;
			return metrics.data[open - 1 - minute] ?? 0;
		};
		const points: ThroughputPoint[] = [];
		for (let minute = current - minutes + 1; minute <= current; minute++) {
			points.push({ minute: new Date(minute * MINUTE).toISOString(), completed: perMinute(completed, minute), failed: perMinute(failed, minute) });
		}
		return points;
	}

	async countJobs(queue: QueueName, state: JobListState): Promise<number> {
		return this.owner.bullQueue(queue).getJobCountByTypes(...bullTypes(state));
	}

	async listJobs(queue: QueueName, state: JobListState, start: number, end: number): Promise<JobSummary[]> {
		const q = this.owner.bullQueue(queue);
		let jobs: Job[];
		if (state === 'waiting') {
			// Page across the two structures in run order: the plain list first, then by priority.
			const plain = await q.getJobCountByTypes('wait');
			const fromPlain = start < plain ? await q.getJobs(['wait'], start, Math.min(end, plain - 1), true) : [];
			const fromPrioritized = end >= plain ? await q.getJobs(['prioritized'], Math.max(0, start - plain), end - plain, true) : [];
			jobs = [...fromPlain, ...fromPrioritized];
		} else {
			jobs = await q.getJobs(bullTypes(state), start, end, false);
		}
		return jobs.filter(Boolean).map((job) => toJobSummary(job, queue, state, this.owner.definition(job.name)));
	}

	async getJob(queue: QueueName, id: string): Promise<JobDetail | null> {
		const q = this.owner.bullQueue(queue);
		const job = await q.getJob(id);
		if (!job) return null;
		const [state, logs] = await Promise.all([job.getState(), q.getJobLogs(id, 0, -1, true)]);
		return toJobDetail(job, queue, state, this.owner.definition(job.name), logs.logs);
	}

	async retryJob(queue: QueueName, id: string): Promise<void> {
		const { job, state } = await this.require(queue, id);
		if (state !== 'failed') throw conflict(`Job ${id} is ${state}; only failed jobs can be retried.`);
		await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
	}

	async retryAllFailed(queue: QueueName): Promise<number> {
		const q = this.owner.bullQueue(queue);
		const failed = await q.getJobCountByTypes('failed');
		await q.retryJobs({ state: 'failed', count: 1000 });
		return failed;
	}

	async removeJob(queue: QueueName, id: string): Promise<void> {
		const { job, state } = await this.require(queue, id);
		if (state === 'active') throw conflict(`Job ${id} is active and cannot be removed.`);
		await job.remove();
	}

	async promoteJob(queue: QueueName, id: string): Promise<void> {
		const { job, state } = await this.require(queue, id);
		if (state !== 'delayed') throw conflict(`Job ${id} is ${state}; only delayed jobs can be promoted.`);
		await job.promote();
	}

	async pause(queue: QueueName): Promise<void> {
		await this.owner.bullQueue(queue).pause();
	}

	async resume(queue: QueueName): Promise<void> {
		await this.owner.bullQueue(queue).resume();
	}

	async clean(queue: QueueName, state: CleanableState, olderThanMs: number, limit: number): Promise<string[]> {
		const q = this.owner.bullQueue(queue);
		const types: ('completed' | 'failed' | 'wait' | 'prioritized' | 'delayed')[] = state === 'waiting' ? ['wait', 'prioritized'] : [state];
		const removed: string[] = [];
		for (const type of types) removed.push(...(await q.clean(olderThanMs, limit - removed.length, type)));
		return removed;
	}

	async countDeadLetters(): Promise<number> {
		return this.owner.deadLetters.getJobCountByTypes('wait');
	}

	async listDeadLetters(start: number, end: number): Promise<DeadLetterEntry[]> {
		const jobs = await this.owner.deadLetters.getJobs(['wait'], start, end, false);
		return jobs.filter(Boolean).map(toDeadLetterEntry);
	}

	async getDeadLetter(id: string): Promise<DeadLetterEntry | null> {
		const job = await this.owner.deadLetters.getJob(id);
		return job ? toDeadLetterEntry(job) : null;
	}

	async removeDeadLetter(id: string): Promise<boolean> {
		return (await this.owner.deadLetters.remove(id)) === 1;
	}

	async workers(queue: QueueName): Promise<WorkerInfo[]> {
		const clients = await this.owner.bullQueue(queue).getWorkers();
		const local = this.owner.workers.has(queue) ? concurrencyFor(this.owner.tuning, queue) : null;
		return clients.map((client) => ({
			queue,
			id: client.id ?? '',
			name: client.rawname?.split(':w:')[1] ?? client.rawname ?? '',
			addr: client.addr ?? null,
			ageSeconds: Number(client.age ?? 0),
			idleSeconds: Number(client.idle ?? 0),
			// Only this process's own concurrency is known; other processes may be configured differently.
			concurrency: local,
		}));
	}

	async schedulers(queue: QueueName): Promise<SchedulerInfo[]> {
		const schedulers = await this.owner.bullQueue(queue).getJobSchedulers(0, -1, true);
		return schedulers.map((s) => ({ queue, key: s.key, name: s.name, pattern: s.pattern ?? (s.every ? `every ${s.every} ms` : ''), next: s.next ? new Date(s.next).toISOString() : null }));
	}

	async removeScheduler(queue: QueueName, key: string): Promise<boolean> {
		return this.owner.bullQueue(queue).removeJobScheduler(key);
	}

	private async require(queue: QueueName, id: string): Promise<{ job: Job; state: string }> {
		const job = await this.owner.bullQueue(queue).getJob(id);
		if (!job) throw new NotFoundError(`Job ${id} was not found in queue "${queue}".`, { queue, id });
		return { job, state: await job.getState() };
	}
}

function bullTypes(state: JobListState): JobType[] {
	return state === 'waiting' ? ['wait', 'prioritized'] : [state];
}

function conflict(message: string): MlError {
	return new MlError(message, { code: 'JOB_STATE_CONFLICT', status: 409 });
}
