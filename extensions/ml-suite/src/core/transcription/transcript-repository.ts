import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { TranscriptSegment } from './types.js';
import { jsonColumn } from '../database/json-column.js';

export type TranscriptStatus = 'queued' | 'processing' | 'completed' | 'failed';

/** Milliseconds spent in each stage of one transcription. */
export interface TranscriptTimings {
	readMs: number;
	probeMs: number;
	convertMs: number;
	transcribeMs: number;
	totalMs: number;
	pieces: number;
}

/** A row of `ml_transcripts`, parsed. */
export interface Transcript {
	id: string;
	file: string;
	status: TranscriptStatus;
	progress: number;
	language: string | null;
	duration: number | null;
	model: string | null;
	text: string | null;
	segments: TranscriptSegment[];
	error: string | null;
	attempts: number;
	timings: TranscriptTimings | null;
	dateCompleted: string | null;
	dateUpdated: string | null;
}

export interface CompletedTranscript {
	language: string | null;
	duration: number;
	model: string;
	text: string;
	segments: TranscriptSegment[];
	timings: TranscriptTimings;
}


const iso = (value: unknown): string | null => (value instanceof Date ? value.toISOString() : typeof value === 'number' ? new Date(value).toISOString() : typeof value === 'string' ? value : null);

/** `ml_transcripts`: one row per file, written only by the suite. */
export class TranscriptRepository {
	constructor(
		private readonly knex: Knex,
		private readonly table = 'ml_transcripts',
	) {}

	async get(fileId: string): Promise<Transcript | null> {
		const row = (await this.knex(this.table).where({ file: fileId }).first()) as Record<string, unknown> | undefined;
		return row ? toTranscript(row) : null;
	}

	/** Creates the file's row, or resets an existing one, as `status` (queued or processing) with no result; counts an attempt when processing. */
	async start(fileId: string, status: 'queued' | 'processing', model: string | null): Promise<void> {
		const now = new Date();
		const reset = { status, progress: 0, model, error: null, date_updated: now, ...(status === 'processing' ? { attempts: this.knex.raw('coalesce(attempts, 0) + 1') } : {}) };
		const updated = await this.knex(this.table).where({ file: fileId }).update(reset);
		if (updated > 0) return;
		try {
			await this.knex(this.table).insert({ id: randomUUID(), file: fileId, status, progress: 0, model, attempts: status === 'processing' ? 1 : 0, segments: JSON.stringify([]), date_created: now, date_updated: now });
		} catch (error) {
			// Another process inserted the row between our update and insert (unique file): update that one.
			if ((await this.knex(this.table).where({ file: fileId }).update(reset)) === 0) throw error;
		}
	}

	/** Transcript ids of files (rows that exist). */
	async idsOf(fileIds: readonly string[]): Promise<string[]> {
		if (fileIds.length === 0) return [];
		const rows = (await this.knex(this.table).select('id').whereIn('file', [...fileIds])) as { id: unknown }[];
		return rows.map((row) => String(row.id));
	}

	/** Transcripts `queued` or `processing` whose row was last updated before `before` (oldest first). */
	async stale(before: Date, limit = 200): Promise<{ file: string; status: 'queued' | 'processing'; attempts: number; model: string | null; since: string | null }[]> {
		const rows = (await this.staleQuery(this.knex(this.table), before)
			.select('file', 'status', 'attempts', 'model', 'date_updated', 'date_created')
			.orderBy('date_updated', 'asc')
			.limit(limit)) as Record<string, unknown>[];
		return rows.map((row) => ({
			file: String(row.file),
			status: row.status as 'queued' | 'processing',
			attempts: Number(row.attempts ?? 0),
			model: (row.model as string | null) ?? null,
			since: iso(row.date_updated) ?? iso(row.date_created),
		}));
	}

	/**
	 * Sets a stale transcript back to `queued` (true) — only if it is still stale, so a worker that
	 * touched it meanwhile keeps it.
	 */
	async requeueIfStale(fileId: string, before: Date): Promise<boolean> {
		return (await this.staleQuery(this.knex(this.table).where({ file: fileId }), before).update({ status: 'queued', progress: 0, error: null, date_updated: new Date() })) > 0;
	}

	/** Marks a stale transcript failed with `message` — only if it is still stale. */
	async failIfStale(fileId: string, before: Date, message: string): Promise<boolean> {
		return (await this.staleQuery(this.knex(this.table).where({ file: fileId }), before).update({ status: 'failed', error: message.slice(0, 4000), date_updated: new Date() })) > 0;
	}

	private staleQuery(query: Knex.QueryBuilder, before: Date): Knex.QueryBuilder {
		return query
			.whereIn('status', ['queued', 'processing'])
			.andWhere((q) => q.where('date_updated', '<', before).orWhere((q2) => q2.whereNull('date_updated').andWhere('date_created', '<', before)));
	}

	async progress(fileId: string, percent: number): Promise<void> {
		await this.knex(this.table).where({ file: fileId }).update({ progress: Math.max(0, Math.min(100, Math.round(percent))), date_updated: new Date() });
	}

	/** Writes the result in one statement (creating the row if needed), so a reader sees either the old state or the whole transcript. */
	async complete(fileId: string, result: CompletedTranscript): Promise<void> {
		const now = new Date();
		const values = {
				status: 'completed',
				progress: 100,
				language: result.language,
				duration: result.duration,
				model: result.model,
				text: result.text,
				segments: JSON.stringify(result.segments),
				timings: JSON.stringify(result.timings),
				error: null,
			date_completed: now,
			date_updated: now,
		};
		if ((await this.knex(this.table).where({ file: fileId }).update(values)) > 0) return;
		try {
			await this.knex(this.table).insert({ id: randomUUID(), file: fileId, attempts: 1, date_created: now, ...values });
		} catch (error) {
			if ((await this.knex(this.table).where({ file: fileId }).update(values)) === 0) throw error;
		}
	}

	async fail(fileId: string, message: string): Promise<void> {
		await this.knex(this.table).where({ file: fileId }).update({ status: 'failed', error: message.slice(0, 4000), date_updated: new Date() });
	}

}

function toTranscript(row: Record<string, unknown>): Transcript {
	return {
		id: String(row.id),
		file: String(row.file),
		status: (row.status as TranscriptStatus) ?? 'queued',
		progress: Number(row.progress ?? 0),
		language: (row.language as string | null) ?? null,
		duration: row.duration === null || row.duration === undefined ? null : Number(row.duration),
		model: (row.model as string | null) ?? null,
		text: (row.text as string | null) ?? null,
		segments: jsonColumn<TranscriptSegment[]>(row.segments, []),
		error: (row.error as string | null) ?? null,
		attempts: Number(row.attempts ?? 0),
		timings: jsonColumn<TranscriptTimings | null>(row.timings, null),
		dateCompleted: iso(row.date_completed),
		dateUpdated: iso(row.date_updated),
	};
}
