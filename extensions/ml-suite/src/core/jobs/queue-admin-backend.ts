import type {
	CleanableState,
	DeadLetterEntry,
	JobListState,
	SchedulerInfo,
	ThroughputPoint,
	WorkerInfo,
} from '../../shared/queue-types.js';
import type { JobDetail, JobSummary, Queue, QueueCounts, QueueName } from './types.js';

/**
 * What each backend provides to `QueueAdmin`. Methods take validated arguments; missing jobs
 * give `null`/`false` or a `NotFoundError`, and actions on a job in the wrong state throw a 409
 * `MlError` (`JOB_STATE_CONFLICT`). Waiting jobs are listed in run order, other states newest first.
 */
export interface QueueAdminBackend {
	counts(queue: QueueName): Promise<QueueCounts>;
	/** One point per minute for the last `minutes` minutes, oldest first. */
	throughput(queue: QueueName, minutes: number): Promise<ThroughputPoint[]>;
	countJobs(queue: QueueName, state: JobListState): Promise<number>;
	/** Jobs `start..end` (inclusive) of the state. */
	listJobs(queue: QueueName, state: JobListState, start: number, end: number): Promise<JobSummary[]>;
	getJob(queue: QueueName, id: string): Promise<JobDetail | null>;
	/** Moves a failed job back to waiting with fresh attempts. */
	retryJob(queue: QueueName, id: string): Promise<void>;
	retryAllFailed(queue: QueueName): Promise<number>;
	/** Removes a job that is not active. */
	removeJob(queue: QueueName, id: string): Promise<void>;
	/** Runs a delayed job now. */
	promoteJob(queue: QueueName, id: string): Promise<void>;
	pause(queue: QueueName): Promise<void>;
	resume(queue: QueueName): Promise<void>;
	/** Removes up to `limit` jobs of the state that finished (or were created) more than `olderThanMs` ago. */
	clean(queue: QueueName, state: CleanableState, olderThanMs: number, limit: number): Promise<string[]>;
	countDeadLetters(): Promise<number>;
	listDeadLetters(start: number, end: number): Promise<DeadLetterEntry[]>;
	getDeadLetter(id: string): Promise<DeadLetterEntry | null>;
	removeDeadLetter(id: string): Promise<boolean>;
	workers(queue: QueueName): Promise<WorkerInfo[]>;
	schedulers(queue: QueueName): Promise<SchedulerInfo[]>;
	removeScheduler(queue: QueueName, key: string): Promise<boolean>;
}

/** A queue whose jobs can be inspected and managed (both backends are). */
export interface AdministrableQueue extends Queue {
	readonly admin: QueueAdminBackend;
}
