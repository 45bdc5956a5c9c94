import type { Knex } from 'knex';
import { isPostgres, isSqlite } from '../database/db-client.js';

/** Status of one item in one index (`ml_documents.status`). */
export type DocumentStatus = 'pending' | 'indexed' | 'stale' | 'failed' | 'excluded';

export interface DocumentState {
	id: number;
	index: string;
	collection: string;
	item: string;
	status: DocumentStatus;
	contentHash: string | null;
	settingsHash: string | null;
	chunkCount: number;
	attempts: number;
	error: string | null;
	/**
	 * Bumped by every save of the item (`markPending`). A job notes it before reading the item and
	 * writes its result only if it is unchanged: last writer wins, whatever order jobs finish in.
	 */
	revision: number;
}

/** The revision a job saw before it read the item: a number, or `null` when there was no state row yet. */
export type ExpectedRevision = number | null;

/** Outcome of a compare-and-set write. */
export interface WriteOutcome {
	/** Items whose state (and chunks) were written. */
	written: string[];
	/** Items saved again (or deleted) since the job read them: their newer job owns the result. */
	superseded: string[];
}

export interface IndexedChunk {
	chunkIndex: number;
	content: string;
	tokenCount: number;
}

/** SQLite caps bound variables per statement; keep IN lists and multi-row inserts below it. */
const BATCH = 400;

function chunked<T>(list: readonly T[], size = BATCH): T[][] {
	const out: T[][] = [];
	for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
	return out;
}

/**
 * Bound variables per statement on PostgreSQL (its cap is 65,535): multi-row writes there take
 * far larger batches, so a page of an indexing job costs a few round trips, not dozens.
 */
const POSTGRES_BOUND = 30_000;

/** Rows of `columns` bound values per multi-row insert: `sqliteRows` on SQLite, as many as fit on PostgreSQL. */
function rowsPerInsert(db: Knex, columns: number, sqliteRows: number): number {
	return isPostgres(db) ? Math.floor(POSTGRES_BOUND / columns) : sqliteRows;
}

const now = (): string => new Date().toISOString();

/**
 * A multi-row insert of `rows` chunk rows on SQLite, written out (and cached per row count):
 * knex builds a SQLite multi-row insert as a `SELECT … UNION ALL` chain with an alias per value,
 * costlier to compile than to run. Other databases keep knex's builder.
 */
const sqliteChunkInsertSql = new Map<number, string>();
function sqliteInsertChunksSql(rows: number): string {
	let sql = sqliteChunkInsertSql.get(rows);
	if (sql === undefined) {
		sql = `insert into ml_chunks (document, collection, item, chunk_index, token_count, content) values ${Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?)').join(', ')}`;
		if (sqliteChunkInsertSql.size > 64) sqliteChunkInsertSql.clear();
		sqliteChunkInsertSql.set(rows, sql);
	}
	return sql;
}

/**
 * Per-item indexing state (`ml_documents`) and the chunks each item was split into
 * (`ml_chunks`). These rows are the source of truth for what still needs work: a job lost with
 * a process leaves its rows `pending`, and the reconcile sweep finds them again.
 */
export class DocumentStateRepository {
	constructor(private readonly db: Knex) {}

	async get(indexId: string, items: readonly string[]): Promise<Map<string, DocumentState>> {
		const out = new Map<string, DocumentState>();
		for (const part of chunked(items)) {
			const rows = await this.db('ml_documents').where('index', indexId).whereIn('item', part);
			for (const row of rows) out.set(String(row.item), toState(row));
		}
		return out;
	}

	/**
	 * Marks items pending (creating rows as needed) and bumps their revision: a job that read the
	 * item before this call can no longer write its (older) result.
	 */
	async markPending(indexId: string, collection: string, items: readonly string[]): Promise<void> {
		await this.upsertStatus(indexId, collection, items, 'pending', { bumpRevision: true });
	}

	/**
	 * Which of `expected` still hold: an item whose revision moved, or whose row vanished after
	 * the job saw it, is superseded. An item that had no row and still has none is current.
	 */
	async current(indexId: string, expected: ReadonlyMap<string, ExpectedRevision>, db: Knex = this.db): Promise<WriteOutcome> {
		const found = new Map<string, number>();
		for (const part of chunked([...expected.keys()])) {
			const query = db('ml_documents').select('item', 'revision').where('index', indexId).whereIn('item', part);
			// Row locks on PostgreSQL, so a save cannot bump the revision between this check and the
			// write in the same transaction. SQLite runs one write transaction at a time anyway.
			if (db.isTransaction && isPostgres(db)) query.forUpdate();
			for (const row of await query) found.set(String(row.item), Number(row.revision ?? 0));
		}
		const outcome: WriteOutcome = { written: [], superseded: [] };
		for (const [item, revision] of expected) {
			const now = found.get(item);
			const ok = revision === null ? now === undefined || now === 0 : now === revision;
			(ok ? outcome.written : outcome.superseded).push(item);
		}
		return outcome;
	}

	/** Marks every document of an index stale (settings changed). Returns how many. */
	async markIndexStale(indexId: string): Promise<number> {
		return this.db('ml_documents').where('index', indexId).whereIn('status', ['indexed', 'failed']).update({ status: 'stale', date_updated: now() });
	}

	/**
	 * Records a failure, except on items saved again since (their newer job decides their state).
	 * `retryable` failures (a provider outage) are retried automatically when the provider recovers.
	 */
	async markFailed(
		indexId: string,
		collection: string,
		items: readonly string[],
		error: string,
		expected?: ReadonlyMap<string, ExpectedRevision>,
		retryable = false,
	): Promise<void> {
		const owned = expected ? (await this.current(indexId, new Map(items.map((item) => [item, expected.get(item) ?? null])))).written : items;
		await this.upsertStatus(indexId, collection, owned, 'failed', { error: error.slice(0, 4000), incrementAttempts: true, retryable });
	}

	/** Failed items whose failure was temporary, fewer than `maxAttempts` tries so far, oldest first. */
	async listRetryableFailures(indexId: string, options: { limit: number; maxAttempts: number; olderThan?: Date }): Promise<string[]> {
		const query = this.db('ml_documents')
			.select('item')
			.where({ index: indexId, status: 'failed', retryable: true })
			.where('attempts', '<', options.maxAttempts)
			.orderBy('id')
			.limit(options.limit);
		if (options.olderThan) query.where((q) => q.where('date_updated', '<', options.olderThan!.toISOString()).orWhereNull('date_updated'));
		return (await query).map((row: { item: unknown }) => String(row.item));
	}

	async markExcluded(indexId: string, collection: string, items: readonly string[]): Promise<void> {
		await this.upsertStatus(indexId, collection, items, 'excluded');
		for (const part of chunked(items)) {
			const ids = this.db('ml_documents').select('id').where('index', indexId).whereIn('item', part);
			await this.db('ml_chunks').whereIn('document', ids).delete();
			await this.db('ml_documents').where('index', indexId).whereIn('item', part).update({ chunk_count: 0, content_hash: null });
		}
	}

	/**
	 * Records a successful indexing of several items in one transaction, compare-and-set: only
	 * items whose revision is still the one in `expected` are written (state and chunks); the
	 * others were saved again or deleted meanwhile and are returned as superseded, untouched.
	 * Without `expected` every item is written.
	 */
	async markIndexed(
		indexId: string,
		collection: string,
		results: readonly { item: string; contentHash: string; settingsHash: string; chunks: readonly IndexedChunk[] }[],
		expected?: ReadonlyMap<string, ExpectedRevision>,
	): Promise<WriteOutcome> {
		if (results.length === 0) return { written: [], superseded: [] };
		return this.db.transaction(async (trx) => {
			const outcome = expected
				? await this.current(indexId, new Map(results.map((r) => [r.item, expected.get(r.item) ?? null])), trx)
				: { written: results.map((r) => r.item), superseded: [] };
			const accepted = new Set(outcome.written);
			const writes = results.filter((r) => accepted.has(r.item));
			if (writes.length === 0) return outcome;
			const stamp = now();
			// One multi-row upsert per batch instead of an UPDATE per item (11 bound values per row).
			const rows = writes.map((r) => ({
				index: indexId,
				collection,
				item: r.item,
				status: 'indexed',
				content_hash: r.contentHash,
				settings_hash: r.settingsHash,
				chunk_count: r.chunks.length,
				attempts: 0,
				error: null,
				date_indexed: stamp,
				date_updated: stamp,
			}));
			// SQLite and PostgreSQL return each row's id (inserted or updated) from the upsert: no second read.
			const returning = isSqlite(trx) || isPostgres(trx);
			const ids = new Map<string, number>();
			for (const part of chunked(rows, rowsPerInsert(trx, 11, 60))) {
				const upsert = trx('ml_documents')
					.insert(part)
					.onConflict(['index', 'item'])
					.merge(['status', 'content_hash', 'settings_hash', 'chunk_count', 'attempts', 'error', 'date_indexed', 'date_updated']);
				if (!returning) {
					await upsert;
					continue;
				}
				const written: { id: number | string; item: unknown }[] = await upsert.returning(['id', 'item']);
				for (const row of written) ids.set(String(row.item), Number(row.id));
			}
			if (!returning) {
				for (const part of chunked(writes.map((r) => r.item))) {
					const found = await trx('ml_documents').select('id', 'item').where('index', indexId).whereIn('item', part);
					for (const row of found) ids.set(String(row.item), Number(row.id));
				}
			}
			for (const part of chunked([...ids.values()])) await trx('ml_chunks').whereIn('document', part).delete();
			const chunkRows: unknown[][] = [];
			for (const r of writes) {
				const document = ids.get(r.item);
				for (const c of r.chunks) chunkRows.push([document, collection, r.item, c.chunkIndex, c.tokenCount, c.content]);
			}
			const sqlite = isSqlite(trx);
			for (const part of chunked(chunkRows, rowsPerInsert(trx, 6, Math.floor(BATCH / 6)))) {
				if (sqlite) await trx.raw(sqliteInsertChunksSql(part.length), part.flat());
				else await trx('ml_chunks').insert(part.map(([document, chunkCollection, item, chunkIndex, tokenCount, content]) => ({ document, collection: chunkCollection, item, chunk_index: chunkIndex, token_count: tokenCount, content })));
			}
			return outcome;
		});
	}

	/**
	 * Forgets what is known about items whose vectors a superseded job may have overwritten: their
	 * hash is cleared, so the next job re-embeds them instead of trusting the stored vectors.
	 */
	async invalidate(indexId: string, items: readonly string[]): Promise<void> {
		for (const part of chunked(items)) {
			await this.db('ml_documents').where('index', indexId).whereIn('item', part).update({ content_hash: null, status: 'pending', date_updated: now() });
		}
	}

	/**
	 * Settles items whose stored vectors already match their content (nothing re-embedded), only
	 * where the revision is still the expected one: a save since then keeps its item pending.
	 */
	async markIndexedWithoutChanges(indexId: string, items: readonly string[], expected?: ReadonlyMap<string, ExpectedRevision>): Promise<void> {
		const byRevision = new Map<number, string[]>();
		for (const item of items) {
			const revision = expected?.get(item) ?? -1;
			byRevision.set(revision, [...(byRevision.get(revision) ?? []), item]);
		}
		for (const [revision, group] of byRevision) {
			for (const part of chunked(group)) {
				const query = this.db('ml_documents').where('index', indexId).whereIn('item', part);
				if (revision >= 0) query.where('revision', revision);
				await query.update({ status: 'indexed', error: null, date_updated: now() });
			}
		}
	}

	/** Raises `chunk_count` to at least `count` (after vectors were written but the state update failed). */
	async raiseChunkCounts(indexId: string, items: readonly { item: string; count: number }[]): Promise<void> {
		for (const { item, count } of items) {
			await this.db('ml_documents').where('index', indexId).where('item', item).where('chunk_count', '<', count).update({ chunk_count: count });
		}
	}

	/** Removes the state of deleted items (their chunks go with them). */
	async remove(indexId: string, items: readonly string[]): Promise<void> {
		for (const part of chunked(items)) {
			const ids = this.db('ml_documents').select('id').where('index', indexId).whereIn('item', part);
			await this.db('ml_chunks').whereIn('document', ids).delete();
			await this.db('ml_documents').where('index', indexId).whereIn('item', part).delete();
		}
	}

	/** Items in the given states (default: pending), oldest first. */
	async listUnfinished(indexId: string, options: { limit: number; olderThan?: Date; statuses?: DocumentStatus[] }): Promise<string[]> {
		const statuses = options.statuses ?? ['pending'];
		const query = this.db('ml_documents').select('item').where('index', indexId).whereIn('status', statuses).orderBy('id').limit(options.limit);
		if (options.olderThan) query.where((q) => q.where('date_updated', '<', options.olderThan!.toISOString()).orWhereNull('date_updated'));
		return (await query).map((row: { item: unknown }) => String(row.item));
	}

	/** Indexed items in key order after `after` (a page of the reconcile sweep's hash check). */
	async listIndexed(indexId: string, page: { after: string | null; limit: number }): Promise<DocumentState[]> {
		const query = this.db('ml_documents').where('index', indexId).where('status', 'indexed').orderBy('item').limit(page.limit);
		if (page.after !== null) query.where('item', '>', page.after);
		return (await query).map(toState);
	}

	async countByStatus(indexId: string): Promise<Record<DocumentStatus, number>> {
		const rows = await this.db('ml_documents').select('status').count({ count: '*' }).where('index', indexId).groupBy('status');
		const out: Record<DocumentStatus, number> = { pending: 0, indexed: 0, stale: 0, failed: 0, excluded: 0 };
		for (const row of rows as { status: DocumentStatus; count: number | string }[]) out[row.status] = Number(row.count);
		return out;
	}

	async totalChunks(indexId: string): Promise<number> {
		const row = await this.db('ml_documents').sum({ total: 'chunk_count' }).where('index', indexId).first();
		return Number(row?.total ?? 0);
	}

	/** Text of an item's first chunk (used to find related items). */
	async firstChunkText(indexId: string, item: string): Promise<string | null> {
		const row = await this.db('ml_chunks as c')
			.join('ml_documents as d', 'd.id', 'c.document')
			.select('c.content')
			.where('d.index', indexId)
			.where('d.item', item)
			.orderBy('c.chunk_index')
			.first();
		return (row?.content as string | undefined) ?? null;
	}

	/** All item keys with state rows in an index (for pruning after a reindex). */
	async allItems(indexId: string): Promise<string[]> {
		return (await this.db('ml_documents').select('item').where('index', indexId)).map((row: { item: unknown }) => String(row.item));
	}

	/**
	 * One statement per part: rows are created in the given state or updated to it. A save hook
	 * marks every saved batch pending this way, on SQLite over the one connection the saves use
	 * too, so it must not cost a read and two writes per part.
	 */
	private async upsertStatus(
		indexId: string,
		collection: string,
		items: readonly string[],
		status: DocumentStatus,
		options: { error?: string; incrementAttempts?: boolean; bumpRevision?: boolean; retryable?: boolean } = {},
	): Promise<void> {
		if (items.length === 0) return;
		const stamp = now();
		const created: Record<string, unknown> = { index: indexId, collection, status, chunk_count: 0, attempts: options.incrementAttempts ? 1 : 0, revision: options.bumpRevision ? 1 : 0, date_updated: stamp };
		const update: Record<string, unknown> = { status, date_updated: stamp };
		if (options.error !== undefined) created.error = update.error = options.error;
		if (options.retryable !== undefined) created.retryable = update.retryable = options.retryable;
		if (options.incrementAttempts) update.attempts = this.db.raw('COALESCE(??, 0) + 1', ['ml_documents.attempts']);
		if (options.bumpRevision) update.revision = this.db.raw('COALESCE(??, 0) + 1', ['ml_documents.revision']);
		const write = async (db: Knex): Promise<void> => {
			for (const part of chunked(items)) {
				await db('ml_documents')
					.insert(part.map((item) => ({ ...created, item })))
					.onConflict(['index', 'item'])
					.merge(update);
			}
		};
		// One commit for all parts (on SQLite each commit is a journal sync).
		if (items.length > BATCH) await this.db.transaction(write);
		else await write(this.db);
	}
}

function toState(row: Record<string, unknown>): DocumentState {
	return {
		id: Number(row.id),
		index: String(row.index),
		collection: String(row.collection),
		item: String(row.item),
		status: row.status as DocumentStatus,
		contentHash: (row.content_hash as string | null) ?? null,
		settingsHash: (row.settings_hash as string | null) ?? null,
		chunkCount: Number(row.chunk_count ?? 0),
		attempts: Number(row.attempts ?? 0),
		error: (row.error as string | null) ?? null,
		revision: Number(row.revision ?? 0),
	};
}
