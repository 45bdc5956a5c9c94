import type { Knex } from 'knex';
import type { DeadLetterEntry, JobItemRef } from '../../shared/queue-types.js';
import type { InlineJobRecord, InlineJobState } from './inline-job-record.js';
import type { InlineJournal, InlineJournalSnapshot } from './inline-journal.js';
import type { QueueName } from './types.js';

export interface KnexInlineJournalOptions {
	/** The database (the Directus database). */
	knex: Knex;
	/** Table name prefix. Default: `ml_queue`, giving `ml_queue_jobs`, `ml_queue_dead_letters`, `ml_queue_throughput`, `ml_queue_state`. */
	prefix?: string;
	/** Minutes of throughput kept. Default: 1440. */
	throughputMinutes?: number;
	/** Delay before recorded changes are written, so bursts become one transaction. Default: 100 ms. */
	flushDelayMs?: number;
	/** Told about a failed write (the journal keeps going). */
	onError?: (error: unknown) => void;
}

/** Internal tables of the journal, for code that must keep them out of Directus's collections. */
export const INLINE_JOURNAL_TABLES = ['ml_queue_jobs', 'ml_queue_dead_letters', 'ml_queue_throughput', 'ml_queue_state'] as const;

const MINUTE = 60_000;
const ROWS_PER_STATEMENT = 50;

type JobRow = {
	id: number;
	queue: string;
	name: string;
	state: string;
	data: string | null;
	priority: number;
	max_attempts: number;
	dedupe_key: string | null;
	repeat_key: string | null;
	delay_ms: number;
	seq: number;
	attempts_made: number;
	progress: string | null;
	logs: string | null;
	created_at: number | string;
	run_at: number | string | null;
	processed_at: number | string | null;
	finished_at: number | string | null;
	failed_reason: string | null;
	stacktrace: string | null;
	return_value: string | null;
	item: string | null;
};

/**
 * `InlineJournal` in plain tables of the Directus database (SQLite or PostgreSQL). Retention is
 * the queue's own: a job evicted from memory is deleted here too, so the tables stay bounded.
 */
export class KnexInlineJournal implements InlineJournal {
	private readonly knex: Knex;
	private readonly t: { jobs: string; deadLetters: string; throughput: string; state: string };
	private readonly throughputMinutes: number;
	private readonly flushDelayMs: number;
	private readonly onError: (error: unknown) => void;
	private ready: Promise<void> | undefined;
	private dirty = new Map<string, InlineJobRecord | null>();
	private deadLetters = new Map<string, DeadLetterEntry | null>();
	private outcomes = new Map<string, { queue: QueueName; minute: number; completed: number; failed: number }>();
	private lastJobId = 0;
	private lastDeadLetterId = 0;
	private timer: NodeJS.Timeout | undefined;
	private writing: Promise<void> = Promise.resolve();
	private lastPrune = 0;

	constructor(options: KnexInlineJournalOptions) {
		this.knex = options.knex;
		const prefix = options.prefix ?? 'ml_queue';
		this.t = { jobs: `${prefix}_jobs`, deadLetters: `${prefix}_dead_letters`, throughput: `${prefix}_throughput`, state: `${prefix}_state` };
		this.throughputMinutes = options.throughputMinutes ?? 1440;
		this.flushDelayMs = options.flushDelayMs ?? 100;
		this.onError = options.onError ?? (() => undefined);
	}

	ensureTables(): Promise<void> {
		this.ready ??= this.createTables().catch((error: unknown) => {
			this.ready = undefined;
			throw error;
		});
		return this.ready;
	}

	async load(): Promise<InlineJournalSnapshot> {
		await this.ensureTables();
		const jobs = ((await this.knex(this.t.jobs).select('*').orderBy('id', 'asc')) as JobRow[]).map(fromJobRow);
		const deadLetters = ((await this.knex(this.t.deadLetters).select('*').orderBy('seq', 'asc')) as Record<string, unknown>[]).map(fromDeadLetterRow);
		const since = Math.floor(Date.now() / MINUTE) - this.throughputMinutes;
		const throughput = ((await this.knex(this.t.throughput).select('*').where('minute', '>', since)) as Record<string, unknown>[]).map((row) => ({
			queue: String(row.queue) as QueueName,
			minute: Number(row.minute),
			completed: Number(row.completed),
			failed: Number(row.failed),
		}));
		const state = (await this.knex(this.t.state).select('key', 'value')) as { key: string; value: number | string }[];
		const stored = (key: string): number => Number(state.find((row) => row.key === key)?.value ?? 0);
		const maxJob = jobs.reduce((max, job) => Math.max(max, Number(job.id) || 0), 0);
		const maxDeadLetter = deadLetters.reduce((max, entry) => Math.max(max, Number(entry.id.replace(/^dl-/, '')) || 0), 0);
		this.lastJobId = Math.max(stored('last_job_id'), maxJob);
		this.lastDeadLetterId = Math.max(stored('last_dead_letter_id'), maxDeadLetter);
		return { jobs, deadLetters, throughput, lastJobId: this.lastJobId, lastDeadLetterId: this.lastDeadLetterId };
	}

	saveJob(record: InlineJobRecord): void {
		this.dirty.set(record.id, record);
		this.lastJobId = Math.max(this.lastJobId, Number(record.id) || 0);
		this.schedule();
	}

	removeJob(id: string): void {
		this.dirty.set(id, null);
		this.schedule();
	}

	saveDeadLetter(entry: DeadLetterEntry): void {
		this.deadLetters.set(entry.id, entry);
		this.lastDeadLetterId = Math.max(this.lastDeadLetterId, Number(entry.id.replace(/^dl-/, '')) || 0);
		this.schedule();
	}

	removeDeadLetter(id: string): void {
		this.deadLetters.set(id, null);
		this.schedule();
	}

	recordOutcome(queue: QueueName, outcome: 'completed' | 'failed', at: number): void {
		const minute = Math.floor(at / MINUTE);
		const key = `${queue}\u0000${minute}`;
		const bucket = this.outcomes.get(key) ?? { queue, minute, completed: 0, failed: 0 };
		bucket[outcome]++;
		this.outcomes.set(key, bucket);
		this.schedule();
	}

	flush(): Promise<void> {
		if (this.timer) clearTimeout(this.timer);
		this.timer = undefined;
		this.writing = this.writing.then(() => this.write()).catch((error: unknown) => this.onError(error));
		return this.writing;
	}

	async close(): Promise<void> {
		await this.flush();
	}

	private schedule(): void {
		if (this.timer) return;
		this.timer = setTimeout(() => void this.flush(), this.flushDelayMs);
		this.timer.unref();
	}

	private async write(): Promise<void> {
		if (this.dirty.size === 0 && this.deadLetters.size === 0 && this.outcomes.size === 0) return;
		const jobs = this.dirty;
		const deadLetters = this.deadLetters;
		const outcomes = this.outcomes;
		this.dirty = new Map();
		this.deadLetters = new Map();
		this.outcomes = new Map();
		// Serialised now: the job may change again while this transaction runs.
		const upserts = [...jobs.values()].filter((r): r is InlineJobRecord => r !== null).map(toJobRow);
		const removals = [...jobs.entries()].filter(([, r]) => r === null).map(([id]) => Number(id));
		try {
			await this.ensureTables();
			await this.knex.transaction(async (trx) => {
				for (let i = 0; i < upserts.length; i += ROWS_PER_STATEMENT) {
					await trx(this.t.jobs).insert(upserts.slice(i, i + ROWS_PER_STATEMENT)).onConflict('id').merge();
				}
				for (let i = 0; i < removals.length; i += ROWS_PER_STATEMENT) await trx(this.t.jobs).whereIn('id', removals.slice(i, i + ROWS_PER_STATEMENT)).delete();
				for (const [id, entry] of deadLetters) {
					if (entry) await trx(this.t.deadLetters).insert(toDeadLetterRow(entry)).onConflict('id').merge();
					else await trx(this.t.deadLetters).where('id', id).delete();
				}
				for (const bucket of outcomes.values()) {
					await trx(this.t.throughput)
						.insert(bucket)
						.onConflict(['queue', 'minute'])
						.merge({ completed: trx.raw('??.completed + ?', [this.t.throughput, bucket.completed]), failed: trx.raw('??.failed + ?', [this.t.throughput, bucket.failed]) });
				}
				for (const [key, value] of [['last_job_id', this.lastJobId], ['last_dead_letter_id', this.lastDeadLetterId]] as const) {
					await trx(this.t.state).insert({ key, value }).onConflict('key').merge();
				}
			});
		} catch (error) {
			// Put back what was not written, unless newer changes replaced it meanwhile.
			for (const [id, record] of jobs) if (!this.dirty.has(id)) this.dirty.set(id, record);
			for (const [id, entry] of deadLetters) if (!this.deadLetters.has(id)) this.deadLetters.set(id, entry);
			for (const [key, bucket] of outcomes) {
				const current = this.outcomes.get(key);
				this.outcomes.set(key, current ? { ...current, completed: current.completed + bucket.completed, failed: current.failed + bucket.failed } : bucket);
			}
			this.schedule();
			throw error;
		}
		if (Date.now() - this.lastPrune > MINUTE) {
			this.lastPrune = Date.now();
			await this.knex(this.t.throughput).where('minute', '<=', Math.floor(Date.now() / MINUTE) - this.throughputMinutes).delete();
		}
	}

	private async createTables(): Promise<void> {
		const create = async (name: string, build: (table: Knex.CreateTableBuilder) => void): Promise<void> => {
			if (await this.knex.schema.hasTable(name)) return;
			try {
				await this.knex.schema.createTable(name, build);
			} catch (error) {
				// Another process created it between the check and the create.
				if (!(await this.knex.schema.hasTable(name))) throw error;
			}
		};
		await create(this.t.jobs, (t) => {
			t.bigInteger('id').primary();
			t.string('queue', 32).notNullable();
			t.string('name', 128).notNullable();
			t.string('state', 16).notNullable();
			t.text('data');
			t.integer('priority').notNullable().defaultTo(0);
			t.integer('max_attempts').notNullable().defaultTo(1);
			t.string('dedupe_key', 255);
			t.string('repeat_key', 255);
			t.integer('delay_ms').notNullable().defaultTo(0);
			t.bigInteger('seq').notNullable().defaultTo(0);
			t.integer('attempts_made').notNullable().defaultTo(0);
			t.text('progress');
			t.text('logs');
			t.bigInteger('created_at').notNullable();
			t.bigInteger('run_at');
			t.bigInteger('processed_at');
			t.bigInteger('finished_at');
			t.text('failed_reason');
			t.text('stacktrace');
			t.text('return_value');
			t.text('item');
			t.index(['queue', 'state'], `${this.t.jobs}_queue_state_idx`);
		});
		await create(this.t.deadLetters, (t) => {
			t.string('id', 64).primary();
			t.bigInteger('seq').notNullable();
			t.string('queue', 32).notNullable();
			t.string('name', 128).notNullable();
			t.string('job_id', 64).notNullable();
			t.text('data');
			t.text('error');
			t.text('stacktrace');
			t.integer('attempts_made').notNullable().defaultTo(0);
			t.text('item');
			t.string('failed_at', 32).notNullable();
		});
		await create(this.t.throughput, (t) => {
			t.string('queue', 32).notNullable();
			t.bigInteger('minute').notNullable();
			t.integer('completed').notNullable().defaultTo(0);
			t.integer('failed').notNullable().defaultTo(0);
			t.primary(['queue', 'minute']);
		});
		await create(this.t.state, (t) => {
			t.string('key', 64).primary();
			t.bigInteger('value').notNullable();
		});
	}
}

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));
function parse<T>(value: unknown, fallback: T): T {
	if (value === null || value === undefined) return fallback;
	try {
		return JSON.parse(String(value)) as T;
	} catch {
		return fallback;
	}
}
const num = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value));

function toJobRow(record: InlineJobRecord): JobRow {
	return {
		id: Number(record.id),
		queue: record.queue,
		name: record.name,
		state: record.state,
		data: json(record.data),
		priority: record.priority,
		max_attempts: record.maxAttempts,
		dedupe_key: record.dedupeKey,
		repeat_key: record.repeatKey,
		delay_ms: record.delayMs,
		seq: record.seq,
		attempts_made: record.attemptsMade,
		progress: json(record.progress),
		logs: json(record.logs),
		created_at: record.createdAt,
		run_at: record.runAt,
		processed_at: record.processedAt,
		finished_at: record.finishedAt,
		failed_reason: record.failedReason,
		stacktrace: json(record.stacktrace),
		return_value: json(record.returnValue ?? null),
		item: json(record.item),
	};
}

function fromJobRow(row: JobRow): InlineJobRecord {
	return {
		id: String(row.id),
		name: row.name,
		queue: row.queue as QueueName,
		data: parse(row.data, null),
		priority: Number(row.priority),
		maxAttempts: Number(row.max_attempts),
		dedupeKey: row.dedupe_key,
		repeatKey: row.repeat_key,
		delayMs: Number(row.delay_ms),
		state: row.state as InlineJobState,
		seq: Number(row.seq),
		attemptsMade: Number(row.attempts_made),
		progress: parse(row.progress, 0),
		logs: parse(row.logs, []),
		createdAt: Number(row.created_at),
		runAt: num(row.run_at),
		processedAt: num(row.processed_at),
		finishedAt: num(row.finished_at),
		failedReason: row.failed_reason,
		stacktrace: parse(row.stacktrace, []),
		returnValue: parse(row.return_value, null),
		item: parse<JobItemRef | null>(row.item, null),
	};
}

function toDeadLetterRow(entry: DeadLetterEntry): Record<string, unknown> {
	return {
		id: entry.id,
		seq: Number(entry.id.replace(/^dl-/, '')) || 0,
		queue: entry.queue,
		name: entry.name,
		job_id: entry.jobId,
		data: json(entry.data),
		error: entry.error,
		stacktrace: json(entry.stacktrace),
		attempts_made: entry.attemptsMade,
		item: json(entry.item),
		failed_at: entry.failedAt,
	};
}

function fromDeadLetterRow(row: Record<string, unknown>): DeadLetterEntry {
	return {
		id: String(row.id),
		queue: String(row.queue) as QueueName,
		name: String(row.name),
		jobId: String(row.job_id),
		data: parse(row.data, null),
		error: String(row.error ?? ''),
		stacktrace: parse(row.stacktrace, []),
		attemptsMade: Number(row.attempts_made),
		item: parse<JobItemRef | null>(row.item, null),
		failedAt: String(row.failed_at),
	};
}
