import type {
	CleanableState,
	CleanResult,
	DeadLetterPage,
	JobListState,
	JobPage,
	QueuesOverview,
	QueueThroughput,
	RequeueResult,
	RetryAllResult,
	SchedulerInfo,
	WorkerInfo,
} from '../../shared/queue-types.js';
import { InvalidPayloadError, NotFoundError } from '../errors.js';
import type { AdministrableQueue } from './queue-admin-backend.js';
import type { JobDetail, JobSummary, QueueCounts, QueueName } from './types.js';
import { QUEUE_NAMES } from './types.js';

export interface QueueAdminOptions {
	/** Most jobs a text search reads before it stops (and reports `truncated`). Default: 1000. */
	searchScanLimit?: number;
	/** Largest page `listJobs` / `listDeadLetters` return. Default: 200. */
	maxPageSize?: number;
	/** Most minutes of throughput one call returns. Default: 1440. */
	maxThroughputMinutes?: number;
}

export interface ListJobsInput {
	queue: string;
	state: JobListState;
	/** First index, 0-based. Default: 0. */
	start?: number;
	/** Last index, inclusive. Default: start + 19. */
	end?: number;
	/** Case-insensitive text matched against job id, name and JSON data. */
	search?: string;
}

const LIST_STATES: readonly JobListState[] = ['waiting', 'active', 'delayed', 'completed', 'failed'];
const CLEANABLE: readonly CleanableState[] = ['completed', 'failed', 'waiting', 'delayed'];
const SCAN_BATCH = 200;

/**
 * The Queue monitor's service (Bull Board style): plain methods returning plain data, over
 * either backend. Arguments arrive from HTTP as strings, so every queue name, state and page
 * is checked here: unknown queue or job → `NotFoundError`, bad page → `InvalidPayloadError`.
 */
export class QueueAdmin {
	private readonly queue: AdministrableQueue;
	private readonly searchScanLimit: number;
	private readonly maxPageSize: number;
	private readonly maxThroughputMinutes: number;
	/** Job types registered per queue (a queue without any serves a feature that is not there). */
	private readonly jobNames = new Map<QueueName, Set<string>>();

	constructor(queue: AdministrableQueue, options: QueueAdminOptions = {}) {
		this.queue = queue;
		this.searchScanLimit = options.searchScanLimit ?? 1000;
		this.maxPageSize = options.maxPageSize ?? 200;
		this.maxThroughputMinutes = options.maxThroughputMinutes ?? 1440;
	}

	async listQueues(): Promise<QueuesOverview> {
		const counts = await Promise.all(QUEUE_NAMES.map((name) => this.queue.admin.counts(name)));
		const queues = counts.map((q) => ({ ...q, jobs: [...(this.jobNames.get(q.queue) ?? [])].sort() }));
		return { backend: this.queue.backend, queues, deadLetters: await this.queue.admin.countDeadLetters() };
	}

	/** Records that a job type runs on a queue (listed in `listQueues().queues[].jobs`). */
	noteJob(queue: QueueName, name: string): void {
		const names = this.jobNames.get(queue) ?? new Set<string>();
		names.add(name);
		this.jobNames.set(queue, names);
	}

	async getQueue(queue: string): Promise<QueueCounts> {
		return this.queue.admin.counts(queueName(queue));
	}

	/** Completed/failed per minute for the last `minutes` (default 60), for one queue or all. */
	async throughput(options: { queue?: string; minutes?: number } = {}): Promise<QueueThroughput[]> {
		const minutes = options.minutes ?? 60;
		if (!Number.isInteger(minutes) || minutes < 1 || minutes > this.maxThroughputMinutes) {
			throw new InvalidPayloadError(`"minutes" must be an integer from 1 to ${this.maxThroughputMinutes}.`, { field: 'minutes' });
		}
		const names = options.queue === undefined ? [...QUEUE_NAMES] : [queueName(options.queue)];
		return Promise.all(names.map(async (queue) => ({ queue, points: await this.queue.admin.throughput(queue, minutes) })));
	}

	async listJobs(input: ListJobsInput): Promise<JobPage> {
		const queue = queueName(input.queue);
		if (!LIST_STATES.includes(input.state)) throw new InvalidPayloadError(`"state" must be one of ${LIST_STATES.join(', ')}.`, { field: 'state' });
		const { start, end } = this.page(input.start, input.end);
		const search = input.search?.trim() ? input.search.trim().toLowerCase() : null;
		if (search === null) {
			const [total, jobs] = await Promise.all([
				this.queue.admin.countJobs(queue, input.state),
				this.queue.admin.listJobs(queue, input.state, start, end),
			]);
			return { queue, state: input.state, total, start, end, jobs, search: null, truncated: false };
		}
		const matches: JobSummary[] = [];
		let scanned = 0;
		let truncated = false;
		while (scanned < this.searchScanLimit) {
			const batch = await this.queue.admin.listJobs(queue, input.state, scanned, scanned + SCAN_BATCH - 1);
			matches.push(...batch.filter((job) => matchesSearch(job, search)));
			scanned += batch.length;
			if (batch.length < SCAN_BATCH) break;
			if (scanned >= this.searchScanLimit) truncated = true;
		}
		return { queue, state: input.state, total: matches.length, start, end, jobs: matches.slice(start, end + 1), search, truncated };
	}

	async getJob(queue: string, id: string): Promise<JobDetail> {
		const name = queueName(queue);
		const job = await this.queue.admin.getJob(name, id);
		if (!job) throw new NotFoundError(`Job ${id} was not found in queue "${name}".`, { queue: name, id });
		return job;
	}

	async retryJob(queue: string, id: string): Promise<JobDetail> {
		const name = queueName(queue);
		await this.queue.admin.retryJob(name, id);
		return this.getJob(name, id);
	}

	async retryAllFailed(queue: string): Promise<RetryAllResult> {
		const name = queueName(queue);
		return { queue: name, retried: await this.queue.admin.retryAllFailed(name) };
	}

	async removeJob(queue: string, id: string): Promise<void> {
		await this.queue.admin.removeJob(queueName(queue), id);
	}

	async promoteJob(queue: string, id: string): Promise<JobDetail> {
		const name = queueName(queue);
		await this.queue.admin.promoteJob(name, id);
		return this.getJob(name, id);
	}

	async pauseQueue(queue: string): Promise<QueueCounts> {
		const name = queueName(queue);
		await this.queue.admin.pause(name);
		return this.queue.admin.counts(name);
	}

	async resumeQueue(queue: string): Promise<QueueCounts> {
		const name = queueName(queue);
		await this.queue.admin.resume(name);
		return this.queue.admin.counts(name);
	}

	/** Removes jobs of a state older than `olderThanMs` (default 0: all), up to `limit` (default 1000). */
	async cleanQueue(input: { queue: string; state: CleanableState; olderThanMs?: number; limit?: number }): Promise<CleanResult> {
		const queue = queueName(input.queue);
		if (!CLEANABLE.includes(input.state)) throw new InvalidPayloadError(`"state" must be one of ${CLEANABLE.join(', ')}.`, { field: 'state' });
		const olderThanMs = input.olderThanMs ?? 0;
		const limit = input.limit ?? 1000;
		if (olderThanMs < 0 || !Number.isFinite(olderThanMs)) throw new InvalidPayloadError('"olderThanMs" must be 0 or more.', { field: 'olderThanMs' });
		if (!Number.isInteger(limit) || limit < 1) throw new InvalidPayloadError('"limit" must be a positive integer.', { field: 'limit' });
		return { queue, state: input.state, removed: await this.queue.admin.clean(queue, input.state, olderThanMs, limit) };
	}

	async listDeadLetters(input: { start?: number; end?: number } = {}): Promise<DeadLetterPage> {
		const { start, end } = this.page(input.start, input.end);
		const [total, entries] = await Promise.all([this.queue.admin.countDeadLetters(), this.queue.admin.listDeadLetters(start, end)]);
		return { total, start, end, entries };
	}

	/** Enqueues the dead job again (payload re-validated, fresh attempts) and drops the entry. */
	async requeueDeadLetter(id: string): Promise<RequeueResult> {
		const entry = await this.queue.admin.getDeadLetter(id);
		if (!entry) throw new NotFoundError(`Dead-letter entry ${id} was not found.`, { id });
		const job = await this.queue.enqueue(entry.name, entry.data);
		await this.queue.admin.removeDeadLetter(id);
		return { deadLetterId: id, job };
	}

	async removeDeadLetter(id: string): Promise<void> {
		if (!(await this.queue.admin.removeDeadLetter(id))) throw new NotFoundError(`Dead-letter entry ${id} was not found.`, { id });
	}

	async listWorkers(queue?: string): Promise<WorkerInfo[]> {
		const names = queue === undefined ? [...QUEUE_NAMES] : [queueName(queue)];
		return (await Promise.all(names.map((name) => this.queue.admin.workers(name)))).flat();
	}

	async listSchedulers(queue?: string): Promise<SchedulerInfo[]> {
		const names = queue === undefined ? [...QUEUE_NAMES] : [queueName(queue)];
		return (await Promise.all(names.map((name) => this.queue.admin.schedulers(name)))).flat();
	}

	async removeScheduler(queue: string, key: string): Promise<void> {
		const name = queueName(queue);
		if (!(await this.queue.admin.removeScheduler(name, key))) throw new NotFoundError(`Scheduler "${key}" was not found in queue "${name}".`, { queue: name, key });
	}

	private page(startInput: number | undefined, endInput: number | undefined): { start: number; end: number } {
		const start = startInput ?? 0;
		const end = endInput ?? start + 19;
		if (!Number.isInteger(start) || start < 0) throw new InvalidPayloadError('"start" must be an integer of 0 or more.', { field: 'start' });
		if (!Number.isInteger(end) || end < start) throw new InvalidPayloadError('"end" must be an integer not less than "start".', { field: 'end' });
		if (end - start + 1 > this.maxPageSize) throw new InvalidPayloadError(`A page holds at most ${this.maxPageSize} jobs.`, { field: 'end' });
		return { start, end };
	}
}

function queueName(name: string): QueueName {
	if ((QUEUE_NAMES as readonly string[]).includes(name)) return name as QueueName;
	throw new NotFoundError(`Queue "${name}" does not exist. Queues: ${QUEUE_NAMES.join(', ')}.`, { queue: name });
}

function matchesSearch(job: JobSummary, search: string): boolean {
	if (job.id.toLowerCase().includes(search) || job.name.toLowerCase().includes(search)) return true;
	try {
		return (JSON.stringify(job.data) ?? '').toLowerCase().includes(search);
	} catch {
		return false;
	}
}
