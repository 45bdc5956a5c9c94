import type { Knex } from 'knex';
import type { CoreLogger } from './logger.js';
import type { UsageEvent, UsageRecorder } from './types.js';
import { addToRollups, rollUp } from './usage-rollups.js';

export interface KnexUsageRecorderOptions {
	/** Database holding the usage table (the Directus database). */
	knex: Knex;
	/** Table name. Default: `ml_usage`. */
	table?: string;
	/** Milliseconds between background flushes (ML_USAGE_FLUSH_MS). Default: 2000. */
	flushIntervalMs?: number;
	/** Buffered events that trigger a flush before the interval, and rows per insert transaction. Default: 200. */
	maxBatchSize?: number;
	/** Most events kept while the database is failing; beyond it the oldest are dropped (and counted in a warning). Default: 10000. */
	maxBuffered?: number;
	/** Where write failures and drops are reported. Default: silent. */
	logger?: CoreLogger;
	/**
	 * Hourly rollup table updated in the same transaction as the raw rows (see `usage-rollups.ts`),
	 * or `null` to write raw rows only. Default: `<table>_rollups` (`ml_usage_rollups`).
	 */
	rollupTable?: string | null;
	/** Called with each event as it is recorded (e.g. Prometheus histograms). Must not throw. */
	onRecord?: (event: UsageEvent) => void;
}

/** Column names of `ml_usage`, as created by the suite's schema snapshot. */
export interface UsageRow {
	timestamp: Date;
	user: string | null;
	source_type: string;
	source: string;
	capability: string;
	provider: string;
	model: string;
	collection: string | null;
	item: string | null;
	input_tokens: number;
	output_tokens: number;
	cost: number;
	latency_ms: number;
	status: string;
	error_code: string | null;
	cache_hit: boolean;
	audio_seconds?: number;
}

/** Rows per INSERT: 16 columns × 50 stays under SQLite's 999 bound-parameter limit. */
const ROWS_PER_STATEMENT = 50;

/**
 * Buffers usage events and writes them in batches off the request path. `record` never
 * throws; a failed write keeps the events for the next flush and logs why, with
 * `maxBuffered` bounding memory while the database is down. Flushes run one at a time.
 */
export class KnexUsageRecorder implements UsageRecorder {
	private buffer: UsageEvent[] = [];
	private chain: Promise<void> = Promise.resolve();
	private flushQueued = false;
	private dropped = 0;
	private closed = false;
	/** Whether the last flush wrote anything (close() flushes again while it does). */
	private lastFlushWrote = false;
	private readonly timer: ReturnType<typeof setInterval>;
	private readonly knex: Knex;
	private readonly table: string;
	private readonly maxBatchSize: number;
	private readonly maxBuffered: number;
	private readonly logger: CoreLogger | undefined;
	private readonly rollupTable: string | null;
	private readonly onRecord: ((event: UsageEvent) => void) | undefined;

	constructor(options: KnexUsageRecorderOptions) {
		this.knex = options.knex;
		this.table = options.table ?? 'ml_usage';
		this.maxBatchSize = Math.max(1, options.maxBatchSize ?? 200);
		this.maxBuffered = Math.max(this.maxBatchSize, options.maxBuffered ?? 10_000);
		this.logger = options.logger;
		this.rollupTable = options.rollupTable === undefined ? `${this.table}_rollups` : options.rollupTable;
		this.onRecord = options.onRecord;
		this.timer = setInterval(() => void this.flush(), options.flushIntervalMs ?? 2000);
		// Usage accounting must never keep a process alive on its own.
		this.timer.unref();
	}

	/** Events waiting to be written. */
	get pending(): number {
		return this.buffer.length;
	}

	record(event: UsageEvent): void {
		try {
			if (this.closed) {
				this.logger?.warn(`Usage event for ${event.model} recorded after the recorder closed; it was not saved.`);
				return;
			}
			this.buffer.push(event);
			this.onRecord?.(event);
			if (this.buffer.length > this.maxBuffered) {
				const excess = this.buffer.length - this.maxBuffered;
				this.buffer.splice(0, excess);
				this.dropped += excess;
			}
			if (this.buffer.length >= this.maxBatchSize && !this.flushQueued) {
				this.flushQueued = true;
				void this.flush();
			}
		} catch {
			// Recording must not break the call it accounts for.
		}
	}

	/** Writes everything buffered so far. Resolves even when the database fails (the events stay buffered). */
	flush(): Promise<void> {
		this.chain = this.chain.then(() => this.writeAll());
		return this.chain;
	}

	async close(): Promise<void> {
		clearInterval(this.timer);
		// Events recorded while the last flush wrote are written too, as long as writing succeeds.
		do await this.flush();
		while (this.buffer.length > 0 && this.lastFlushWrote);
		this.closed = true;
	}

	private async writeAll(): Promise<void> {
		this.flushQueued = false;
		if (this.dropped > 0) {
			this.logger?.warn(`Dropped ${this.dropped} usage events: the buffer was full while ${this.table} could not be written.`);
			this.dropped = 0;
		}
		// What is buffered now. Events recorded while it is written wait for the next flush: a
		// busy process then writes one transaction per interval (or per maxBatchSize events), not
		// a new one each time a commit returns (≈ one per 5 calls at 100 calls/s on SQLite).
		let remaining = this.buffer.length;
		this.lastFlushWrote = false;
		while (remaining > 0 && this.buffer.length > 0) {
			const batch = this.buffer.slice(0, Math.min(this.maxBatchSize, remaining));
			try {
				const rows = batch.map(toRow);
				// Raw rows and their rollups commit together: the reports never count a call twice or not at all.
				await this.knex.transaction(async (trx) => {
					for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) await trx(this.table).insert(rows.slice(i, i + ROWS_PER_STATEMENT));
					if (this.rollupTable) await addToRollups(trx, rollUp(rows), this.rollupTable);
				});
			} catch (error) {
				this.logger?.error(`Could not write ${batch.length} usage events to ${this.table} (kept for the next flush): ${error instanceof Error ? error.message : String(error)}`);
				return;
			}
			// The cap may have dropped events from the front meanwhile: remove exactly the ones written.
			const written = new Set(batch);
			this.buffer = this.buffer.filter((event) => !written.has(event));
			remaining -= batch.length;
			this.lastFlushWrote = true;
		}
	}
}

export function toRow(event: UsageEvent): UsageRow {
	return {
		timestamp: event.timestamp,
		user: event.user,
		source_type: event.sourceType,
		source: event.source,
		capability: event.capability,
		provider: event.provider,
		model: event.model,
		collection: event.collection,
		item: event.item,
		input_tokens: Math.round(event.inputTokens),
		output_tokens: Math.round(event.outputTokens),
		cost: event.cost,
		latency_ms: Math.round(event.latencyMs),
		status: event.status,
		error_code: event.errorCode,
		cache_hit: event.cacheHit,
		// Only transcription rows carry it, so rows of other calls still insert into an older table without the column.
		...(event.audioSeconds !== undefined ? { audio_seconds: event.audioSeconds } : {}),
	};
}
