import type { Knex } from 'knex';
import { analyzeQuery, analyzeText, type TextLanguage } from '../text/analyze-text.js';
import type { FullTextChunk, FullTextIndex, FullTextMatch, FullTextTerms } from './full-text-index.js';

/** SQLite caps bound variables per statement. */
const BATCH = 400;

/** Prefix of every table this engine creates (internal, not Directus collections). */
export const SQLITE_FULL_TEXT_PREFIX = 'ml_fts_';

/** Table names of one search index: the FTS5 index and the rows it is built over. */
export function sqliteFullTextTables(indexId: string): { fts: string; rows: string } {
	const id = indexId.toLowerCase().replace(/[^a-z0-9]/g, '');
	if (!id) throw new Error(`Invalid index id "${indexId}".`);
	return { fts: `${SQLITE_FULL_TEXT_PREFIX}${id}`, rows: `${SQLITE_FULL_TEXT_PREFIX}${id}_rows` };
}

/**
 * SQLite FTS5 keyword index, scored with FTS5's own `bm25()` (k1 = 1.2, b = 0.75). One FTS5
 * table per search index, so BM25 statistics never mix collections. Text is analyzed in
 * JavaScript (`analyzeText`: accent folding, stop words, Porter stemming) and FTS5 indexes the
 * analyzed terms, so the terms the engine matches are exactly those the search service uses
 * when it rescored a restricted caller's readable set.
 *
 * The FTS5 table is an external-content index over a plain rows table (item, chunk, field,
 * position, terms) with an index on `item`, so an item's chunks are replaced by rowid without
 * scanning the index.
 */
export class SqliteFullTextIndex implements FullTextIndex {
	readonly engine = 'sqlite-fts5';
	readonly corpusStatistics = true;
	private readonly ready = new Map<string, Promise<void>>();

	constructor(private readonly deps: { knex: Knex; language?: TextLanguage }) {}

	private get language(): TextLanguage {
		return this.deps.language ?? 'english';
	}

	private ensure(indexId: string): Promise<void> {
		let ready = this.ready.get(indexId);
		if (!ready) {
			const { fts, rows } = sqliteFullTextTables(indexId);
			ready = (async () => {
				await this.deps.knex.raw(`CREATE TABLE IF NOT EXISTS "${rows}" (id INTEGER PRIMARY KEY, item TEXT NOT NULL, chunk INTEGER NOT NULL, field TEXT NOT NULL, position INTEGER NOT NULL, terms TEXT NOT NULL, content TEXT NOT NULL)`);
				await this.deps.knex.raw(`CREATE UNIQUE INDEX IF NOT EXISTS "${rows}_item" ON "${rows}" (item, chunk)`);
				await this.deps.knex.raw(`CREATE VIRTUAL TABLE IF NOT EXISTS "${fts}" USING fts5(terms, content='${rows}', content_rowid='id', tokenize='unicode61 remove_diacritics 0')`);
			})().catch((error: unknown) => {
				this.ready.delete(indexId);
				throw error;
			});
			this.ready.set(indexId, ready);
		}
		return ready;
	}

	private async exists(indexId: string): Promise<boolean> {
		if (this.ready.has(indexId)) return true;
		const { fts } = sqliteFullTextTables(indexId);
		const row = await this.deps.knex('sqlite_master').where({ type: 'table', name: fts }).first('name');
		return Boolean(row);
	}

	async replaceItems(indexId: string, items: readonly string[], chunks: readonly FullTextChunk[]): Promise<void> {
		await this.ensure(indexId);
		const { fts, rows } = sqliteFullTextTables(indexId);
		const analyzed = chunks.map((c) => ({ item: c.item, chunk: c.chunk, field: c.field, position: c.position, terms: analyzeText(c.text, this.language).join(' '), content: c.content }));
		await this.deps.knex.transaction(async (trx) => {
			await deleteItems(trx, fts, rows, [...new Set([...items, ...chunks.map((c) => c.item)])]);
			for (let i = 0; i < analyzed.length; i += 60) {
				const part = analyzed.slice(i, i + 60);
				const inserted: { id: number; terms: string }[] = await trx(rows).insert(part).returning(['id', 'terms']);
				const placeholders = inserted.map(() => '(?, ?)').join(', ');
				await trx.raw(`INSERT INTO "${fts}" (rowid, terms) VALUES ${placeholders}`, inserted.flatMap((r) => [r.id, r.terms]));
			}
		});
	}

	async removeItems(indexId: string, items: readonly string[]): Promise<void> {
		if (items.length === 0 || !(await this.exists(indexId))) return;
		const { fts, rows } = sqliteFullTextTables(indexId);
		await this.deps.knex.transaction((trx) => deleteItems(trx, fts, rows, items));
	}

	async drop(indexId: string): Promise<void> {
		const { fts, rows } = sqliteFullTextTables(indexId);
		this.ready.delete(indexId);
		await this.deps.knex.raw(`DROP TABLE IF EXISTS "${fts}"`);
		await this.deps.knex.raw(`DROP TABLE IF EXISTS "${rows}"`);
	}

	async search(indexId: string, query: string, page: { limit: number; offset?: number }): Promise<FullTextMatch[]> {
		const match = toMatchExpression(analyzeQuery(query, this.language));
		if (!match || page.limit <= 0 || !(await this.exists(indexId))) return [];
		const { fts, rows } = sqliteFullTextTables(indexId);
		// The inner query is the bare engine query (FTS5 ranks, then cuts); rows are joined after.
		const found: { item: string; chunk: number; field: string; position: number; content: string; score: number }[] = await this.deps.knex.raw(
			`SELECT r.item, r.chunk, r.field, r.position, r.content, -m.s AS score FROM (SELECT rowid, bm25("${fts}") AS s FROM "${fts}" WHERE "${fts}" MATCH ? ORDER BY s, rowid LIMIT ? OFFSET ?) m JOIN "${rows}" r ON r.id = m.rowid`,
			[match, Math.floor(page.limit), Math.floor(page.offset ?? 0)],
		);
		return found
			.map((r) => ({ item: String(r.item), chunk: Number(r.chunk), field: String(r.field), position: Number(r.position), content: String(r.content), score: Number(r.score) }))
			.sort(byScoreThenKey);
	}

	async matchAll(indexId: string, query: string): Promise<{ queryTerms: string[]; chunks: FullTextTerms[] }> {
		const queryTerms = analyzeQuery(query, this.language);
		const match = toMatchExpression(queryTerms);
		if (!match || !(await this.exists(indexId))) return { queryTerms, chunks: [] };
		const { fts, rows } = sqliteFullTextTables(indexId);
		const found: { item: string; chunk: number; field: string; position: number; terms: string; content: string }[] = await this.deps.knex.raw(
			`SELECT r.item, r.chunk, r.field, r.position, r.terms, r.content FROM "${rows}" r WHERE r.id IN (SELECT rowid FROM "${fts}" WHERE "${fts}" MATCH ?)`,
			[match],
		);
		return {
			queryTerms,
			chunks: found.map((r) => ({ item: String(r.item), chunk: Number(r.chunk), field: String(r.field), position: Number(r.position), terms: r.terms ? r.terms.split(' ') : [], content: String(r.content) })),
		};
	}

	async count(indexId: string): Promise<number> {
		if (!(await this.exists(indexId))) return 0;
		const row = await this.deps.knex(sqliteFullTextTables(indexId).rows).count({ n: '*' }).first();
		return Number(row?.n ?? 0);
	}
}

async function deleteItems(trx: Knex.Transaction, fts: string, rows: string, items: readonly string[]): Promise<void> {
	for (let i = 0; i < items.length; i += BATCH) {
		const part = items.slice(i, i + BATCH);
		const old: { id: number; terms: string }[] = await trx(rows).select('id', 'terms').whereIn('item', part);
		// External-content FTS5 needs the old values to remove their postings.
		for (let j = 0; j < old.length; j += 200) {
			const slice = old.slice(j, j + 200);
			await trx.raw(`INSERT INTO "${fts}" ("${fts}", rowid, terms) VALUES ${slice.map(() => `('delete', ?, ?)`).join(', ')}`, slice.flatMap((r) => [r.id, r.terms]));
		}
		if (old.length > 0) await trx(rows).whereIn('item', part).delete();
	}
}

/** `"a" OR "b"`: analyzed terms hold only letters and digits, so quoting makes them literal. */
function toMatchExpression(terms: readonly string[]): string | null {
	return terms.length === 0 ? null : terms.map((t) => `"${t}"`).join(' OR ');
}

export function byScoreThenKey(a: FullTextMatch, b: FullTextMatch): number {
	return b.score - a.score || (a.item < b.item ? -1 : a.item > b.item ? 1 : 0) || a.chunk - b.chunk;
}
