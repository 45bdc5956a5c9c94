import type { z } from 'zod';
import type { EnqueuedJob, JobDetail, JobPriority, JobState, JobSummary, QueueCounts, QueueName } from '../../shared/queue-types.js';

export type { EnqueuedJob, JobDetail, JobPriority, JobState, JobSummary, QueueCounts, QueueName };

/**
 * Queue contract. Backends: `bullmq` (Redis) and `inline` (in-process). Both run the same
 * job definitions and pass `queue.conformance.ts`. Per-item state rows (`ml_documents`) stay
 * the source of truth, so a job lost with a process is found again by the reconcile sweep.
 * Its wire types (what the routes and the Queue module see) live in shared/queue-types.
 */

/** Queue names, one per capability. */
export const QUEUE_NAMES = ['indexing', 'enrichment', 'transcription', 'training', 'evaluation', 'maintenance'] as const satisfies readonly QueueName[];
/** Compile-time check that `QUEUE_NAMES` lists every `QueueName`. */
const _everyQueueNamed: Exclude<QueueName, (typeof QUEUE_NAMES)[number]> extends never ? true : never = true;
void _everyQueueNamed;

export interface JobContext {
	jobId: string;
	/** 1-based attempt number. */
	attempt: number;
	/** Aborted when the worker shuts down or the job is cancelled. */
	signal: AbortSignal;
	/** Reports progress 0..100 (or a structured object). */
	progress(value: number | Record<string, unknown>): Promise<void>;
	/** Appends a line to the job's log. */
	log(message: string): Promise<void>;
}

/**
 * A job type. `process` must be idempotent: running it twice (retry, stall recovery) leaves
 * the same state. Throw `UnrecoverableJobError` to skip the remaining attempts.
 */
export interface JobDefinition<Schema extends z.ZodType = z.ZodType, Deps = unknown, Result = unknown> {
	/** Unique job name, e.g. `index-item`. */
	name: string;
	queue: QueueName;
	/** Validates the payload at the queue boundary (enqueue and process). */
	schema: Schema;
	/** Default attempts (including the first). Default: 5. */
	attempts?: number;
	/** Default priority. Default: normal. */
	priority?: JobPriority;
	/** Collection/item the job belongs to, for the dead-letter view and links. */
	describeItem?(data: z.infer<Schema>): { collection: string; item: string } | null;
	process(data: z.infer<Schema>, deps: Deps, ctx: JobContext): Promise<Result>;
}

export interface EnqueueOptions {
	priority?: JobPriority;
	/** Run no earlier than this many milliseconds from now. */
	delayMs?: number;
	/** Deduplication id: a job with the same id that is still waiting/active is not added twice. */
	jobId?: string;
	attempts?: number;
	/** Repeat on a cron pattern (repeatable jobs). */
	repeat?: { pattern: string; key?: string };
}

export interface Queue {
	readonly backend: 'inline' | 'bullmq';
	/** Makes a job type known to producers and workers. */
	register<Deps>(definition: JobDefinition<z.ZodType, Deps, unknown>): void;
	/** Validates and enqueues. Throws `InvalidPayloadError` for a bad payload, `QueueUnavailableError` if the backend is down. */
	enqueue(name: string, data: unknown, options?: EnqueueOptions): Promise<EnqueuedJob>;
	/** Starts processing registered jobs (workers). Idempotent. */
	startWorkers(): Promise<void>;
	/** Stops taking new jobs, waits for active ones to finish (up to `timeoutMs`), closes connections. */
	close(options?: { timeoutMs?: number }): Promise<void>;
	health(): Promise<{ ok: boolean; message?: string }>;
}
