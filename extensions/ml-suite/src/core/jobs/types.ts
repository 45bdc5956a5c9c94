import type { z } from 'zod';

/**
 * Queue contract. Backends: `bullmq` (Redis) and `inline` (in-process). Both run the same
 * job definitions and pass `queue.conformance.ts`. Per-item state rows (`ml_documents`) stay
 * the source of truth, so a job lost with a process is found again by the reconcile sweep.
 */
export type JobPriority = 'high' | 'normal' | 'low';

/** Queue names, one per capability. */
export const QUEUE_NAMES = ['indexing', 'enrichment', 'transcription', 'training', 'evaluation', 'maintenance'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

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

export interface EnqueuedJob {
	id: string;
	name: string;
	queue: QueueName;
}

export type JobState = 'waiting' | 'active' | 'delayed' | 'prioritized' | 'completed' | 'failed' | 'paused' | 'waiting-children';

export interface JobSummary {
	id: string;
	name: string;
	queue: QueueName;
	state: JobState | 'unknown';
	data: unknown;
	progress: number | Record<string, unknown>;
	attemptsMade: number;
	maxAttempts: number;
	priority: number;
	createdAt: string;
	processedAt: string | null;
	finishedAt: string | null;
	failedReason: string | null;
	item: { collection: string; item: string } | null;
}

export interface JobDetail extends JobSummary {
	options: Record<string, unknown>;
	logs: string[];
	stacktrace: string[];
	returnValue: unknown;
}

export interface QueueCounts {
	queue: QueueName;
	paused: boolean;
	counts: Record<'waiting' | 'active' | 'delayed' | 'completed' | 'failed' | 'paused' | 'prioritized', number>;
}

export interface Queue {
	readonly backend: 'inline' | 'bullmq';
	/** Makes a job type known to producers and workers. */
	register(definition: JobDefinition<z.ZodType, never, unknown>): void;
	/** Validates and enqueues. Throws `InvalidPayloadError` for a bad payload, `QueueUnavailableError` if the backend is down. */
	enqueue(name: string, data: unknown, options?: EnqueueOptions): Promise<EnqueuedJob>;
	/** Starts processing registered jobs (workers). Idempotent. */
	startWorkers(): Promise<void>;
	/** Stops taking new jobs, waits for active ones to finish (up to `timeoutMs`), closes connections. */
	close(options?: { timeoutMs?: number }): Promise<void>;
	health(): Promise<{ ok: boolean; message?: string }>;
}
