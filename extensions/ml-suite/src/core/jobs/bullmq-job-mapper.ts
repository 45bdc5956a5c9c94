import type { Job } from 'bullmq';
import type { DeadLetterEntry, JobItemRef } from '../../shared/queue-types.js';
import type { ErasedJobDefinition } from './job-registry.js';
import type { JobDetail, JobState, JobSummary, QueueName } from './types.js';

/** What the dead-letter queue stores per failed job (the entry minus its own id). */
export type DeadLetterRecord = Omit<DeadLetterEntry, 'id'>;

function iso(ms: number | undefined | null): string | null {
	return ms ? new Date(ms).toISOString() : null;
}

export function describeItem(definition: ErasedJobDefinition | undefined, data: unknown): JobItemRef | null {
	try {
		return definition?.describeItem(data) ?? null;
	} catch {
		// A payload from an older schema may not fit describeItem; the link is optional.
		return null;
	}
}

function mapState(state: string): JobState | 'unknown' {
	if (state === 'wait') return 'waiting';
	const known: readonly string[] = ['waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed', 'paused', 'waiting-children'];
	return known.includes(state) ? (state as JobState) : 'unknown';
}

export function toJobSummary(job: Job, queue: QueueName, state: string, definition: ErasedJobDefinition | undefined): JobSummary {
	const progress = job.progress;
	return {
		id: String(job.id),
		name: job.name,
		queue,
		state: mapState(state),
		data: job.data,
		progress: typeof progress === 'number' || (typeof progress === 'object' && progress !== null) ? (progress as number | Record<string, unknown>) : 0,
		attemptsMade: job.attemptsMade,
		maxAttempts: job.opts.attempts ?? 1,
		priority: job.priority,
		createdAt: new Date(job.timestamp).toISOString(),
		processedAt: iso(job.processedOn),
		finishedAt: iso(job.finishedOn),
		failedReason: job.failedReason || null,
		item: describeItem(definition, job.data),
	};
}

export function toJobDetail(job: Job, queue: QueueName, state: string, definition: ErasedJobDefinition | undefined, logs: string[]): JobDetail {
	return {
		...toJobSummary(job, queue, state, definition),
		options: { ...job.opts } as Record<string, unknown>,
		logs,
		stacktrace: job.stacktrace ?? [],
		returnValue: job.returnvalue ?? null,
	};
}

export function toDeadLetterEntry(job: Job): DeadLetterEntry {
	const record = job.data as DeadLetterRecord;
	return { id: String(job.id), ...record };
}
