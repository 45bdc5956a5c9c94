import type { JobItemRef } from '../../shared/queue-types.js';
import type { JobDetail, JobSummary, QueueName } from './types.js';

export type InlineJobState = 'waiting' | 'delayed' | 'active' | 'completed' | 'failed';

/** One inline job, kept in memory until evicted by the retention limits. */
export interface InlineJobRecord {
	id: string;
	name: string;
	queue: QueueName;
	data: unknown;
	/** Numeric priority, lower first (see `PRIORITY_VALUES`). */
	priority: number;
	maxAttempts: number;
	/** Deduplication id from `EnqueueOptions.jobId`. */
	dedupeKey: string | null;
	/** Cron scheduler that created the job. */
	repeatKey: string | null;
	/** Requested delay, kept for the job detail's options. */
	delayMs: number;
	state: InlineJobState;
	/** Insertion order: breaks priority ties first-in first-out. */
	seq: number;
	attemptsMade: number;
	progress: number | Record<string, unknown>;
	logs: string[];
	createdAt: number;
	/** When a delayed job becomes due. */
	runAt: number | null;
	processedAt: number | null;
	finishedAt: number | null;
	failedReason: string | null;
	/** One stack per failed attempt. */
	stacktrace: string[];
	returnValue: unknown;
	item: JobItemRef | null;
}

function iso(ms: number | null): string | null {
	return ms === null ? null : new Date(ms).toISOString();
}

export function toJobSummary(record: InlineJobRecord): JobSummary {
	return {
		id: record.id,
		name: record.name,
		queue: record.queue,
		state: record.state,
		data: record.data,
		progress: record.progress,
		attemptsMade: record.attemptsMade,
		maxAttempts: record.maxAttempts,
		priority: record.priority,
		createdAt: new Date(record.createdAt).toISOString(),
		processedAt: iso(record.processedAt),
		finishedAt: iso(record.finishedAt),
		failedReason: record.failedReason,
		item: record.item,
	};
}

export function toJobDetail(record: InlineJobRecord): JobDetail {
	return {
		...toJobSummary(record),
		options: {
			priority: record.priority,
			attempts: record.maxAttempts,
			delay: record.delayMs,
			...(record.dedupeKey ? { jobId: record.dedupeKey } : {}),
			...(record.repeatKey ? { repeatKey: record.repeatKey } : {}),
			...(record.runAt !== null && record.state === 'delayed' ? { runAt: new Date(record.runAt).toISOString() } : {}),
		},
		logs: [...record.logs],
		stacktrace: [...record.stacktrace],
		returnValue: record.returnValue ?? null,
	};
}
