/**
 * Types of the Queue monitor (`QueueAdmin` results), shared by the `/ml/queues` routes and the
 * Vue Queue module. Type-only: importing this file adds no runtime code.
 */
export type JobPriority = 'high' | 'normal' | 'low';

/** Queue names, one per capability (`QUEUE_NAMES` in core/jobs lists them at run time). */
export type QueueName = 'indexing' | 'enrichment' | 'transcription' | 'training' | 'evaluation' | 'maintenance';

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

/** States jobs are listed by. `waiting` includes BullMQ's `prioritized` (every job has a priority). */
export type JobListState = 'waiting' | 'active' | 'delayed' | 'completed' | 'failed';

/** States `clean` can empty. */
export type CleanableState = 'completed' | 'failed' | 'waiting' | 'delayed';

/** The item a job works on (from `JobDefinition.describeItem`). */
export interface JobItemRef {
	collection: string;
	item: string;
}

export interface QueuesOverview {
	backend: 'inline' | 'bullmq';
	/** Every queue; `jobs` names the job types registered on it (empty: nothing uses it yet). */
	queues: (QueueCounts & { jobs: string[] })[];
	/** Entries in the dead-letter list. */
	deadLetters: number;
}

/** Jobs finished in one minute. */
export interface ThroughputPoint {
	/** Start of the minute, ISO 8601. */
	minute: string;
	completed: number;
	failed: number;
}

export interface QueueThroughput {
	queue: QueueName;
	/** Oldest first, one point per minute, the last being the current minute. */
	points: ThroughputPoint[];
}

/** Bucket length of a queue depth report. */
export type QueueDepthInterval = 'minute' | 'hour' | 'day';

/** The deepest one queue was within one bucket (from periodic samples). */
export interface QueueDepthPoint {
	/** Start of the bucket, ISO 8601. */
	at: string;
	queue: QueueName;
	/** Most jobs waiting (prioritized included), active and delayed in one sample of the bucket. */
	depth: number;
}

/** `GET /ml/queues/depth`: sampled buckets only (a bucket without samples has no point). */
export interface QueueDepthReport {
	from: string;
	to: string;
	interval: QueueDepthInterval;
	/** Seconds between samples; 0 when sampling is off. */
	sampleSeconds: number;
	/** Days samples are kept. */
	retentionDays: number;
	points: QueueDepthPoint[];
}

export interface JobPage {
	queue: QueueName;
	state: JobListState;
	/** Jobs in the state (or, with `search`, matches found). */
	total: number;
	start: number;
	end: number;
	jobs: JobSummary[];
	search: string | null;
	/** True when a search stopped at its scan limit, so `total` may be low. */
	truncated: boolean;
}

/** A job that used up its attempts (or failed unrecoverably), kept for inspection and requeue. */
export interface DeadLetterEntry {
	id: string;
	queue: QueueName;
	/** Job name, e.g. `index-item`. */
	name: string;
	/** Id of the failed job. */
	jobId: string;
	data: unknown;
	error: string;
	stacktrace: string[];
	attemptsMade: number;
	item: JobItemRef | null;
	failedAt: string;
}

export interface DeadLetterPage {
	total: number;
	start: number;
	end: number;
	entries: DeadLetterEntry[];
}

export interface WorkerInfo {
	queue: QueueName;
	id: string;
	name: string;
	/** Client address (BullMQ) or null (inline: this process). */
	addr: string | null;
	ageSeconds: number;
	idleSeconds: number;
	concurrency: number | null;
}

/** A repeatable job (cron). */
export interface SchedulerInfo {
	queue: QueueName;
	key: string;
	name: string;
	pattern: string;
	/** Next run, ISO 8601, when known. */
	next: string | null;
}

export interface CleanResult {
	queue: QueueName;
	state: CleanableState;
	removed: string[];
}

export interface RetryAllResult {
	queue: QueueName;
	retried: number;
}

export interface RequeueResult {
	deadLetterId: string;
	job: EnqueuedJob;
}

/** A job's item resolved to the real collection (indexing jobs refer to `index:<indexId>`). */
export interface LinkedItem {
	collection: string;
	item: string;
	/** Index name when the reference went through an index, else null. */
	index: string | null;
	/** Admin-app link `/admin/content/<collection>/<item>`; null when the index no longer exists. */
	link: string | null;
}

/** What the `/ml/queues` routes return for a job: the backend's view plus the resolved item. */
export type JobSummaryView = JobSummary & { linked: LinkedItem | null };
export type JobDetailView = JobDetail & { linked: LinkedItem | null };
export type JobPageView = Omit<JobPage, 'jobs'> & { jobs: JobSummaryView[] };
export type DeadLetterView = DeadLetterEntry & { linked: LinkedItem | null };
export type DeadLetterPageView = Omit<DeadLetterPage, 'entries'> & { entries: DeadLetterView[] };

/** Body of `POST /ml/jobs` (admin): enqueue any registered job. */
export interface EnqueueJobRequest {
	name: string;
	data: unknown;
	priority?: JobPriority;
	/** Run no earlier than this many milliseconds from now. */
	delayMs?: number;
}
