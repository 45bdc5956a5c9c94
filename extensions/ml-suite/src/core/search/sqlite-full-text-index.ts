import type { Knex } from 'knex';
import { analyzeQuery, analyzeText, type TextLanguage } from '../text/analyze-text.js';
import { bestPassages, type ChunkTermsRow as ChunkRow } from './best-passages.js';
import { byRankThenItem, byScoreThenKey, rankWithPassages, type FullTextChunk, type FullTextDocument, type FullTextIndex, type FullTextMatch, type FullTextPassage, type FullTextRanked, type FullTextTerms } from './full-text-index.js';

/** SQLite caps bound variables per statement. */
const BATCH = 400;
/**
 * Rows ranked past the cut: FTS5 sorts by score and then rowid (the order items were written in),
 * so items tied with the last one kept are read this far beyond it and ordered by item here.
 */
const TIE_MARGIN = 64;

/** Prefix of every table this engine creates (internal, not Directus collections). */
export const SQLITE_FULL_TEXT_PREFIX = 'ml_fts_';

/** Table names of one search index: the chunk FTS5 index and its rows, the item FTS5 index and its rows. */
export function sqliteFullTextTables(indexId: string): { fts: string; rows: string; itemFts: string; items: string } {
	const id = indexId.toLowerCase().replace(/[^a-z0-9]/g, '');
	if (!id) throw new Error(`Invalid index id "${indexId}".`);
	const fts = `${SQLITE_FULL_TEXT_PREFIX}${id}`;
	return { fts, rows: `${fts}_rows`, itemFts: `${fts}_i`, items: `${fts}_items` };
}

/** FTS5 creates these shadow tables beside each FTS5 table (`content` is external here, so no `_content`). */
const FTS5_SHADOW_SUFFIXES = ['_data', '_idx', '_docsize', '_config'] as const;

/** Every table one search index's keyword index consists of, FTS5's shadow tables included. */
export function sqliteFullTextTableNames(indexId: string): string[] {
	const { fts, rows, itemFts, items } = sqliteFullTextTables(indexId);
	return [fts, rows, itemFts, items, ...[fts, itemFts].flatMap((table) => FTS5_SHADOW_SUFFIXES.map((suffix) => `${table}${suffix}`))];
}

/** The keyword-index tables present in an SQLite database (every search index's, shadow tables included). */
export async function listSqliteFullTextTables(knex: Knex): Promise<string[]> {
	const rows: { name: string }[] = await knex('sqlite_master').where('type', 'table').andWhereRaw(`name LIKE ? ESCAPE '\\'`, [`${SQLITE_FULL_TEXT_PREFIX.replace(/_/g, '\\_')}%`]).select('name');
	return rows.map((r) => r.name).sort();
}

/**
 * SQLite FTS5 keyword index, scored with FTS5's own `bm25()` (k1 = 1.2, b = 0.75). FTS5 tables
 * per search index, so BM25 statistics never mix collections. Items are ranked by BM25 over
 * their whole text (an item-level FTS5 index), not by their best chunk: a document cut into
 * chunks then scores as the document it is (on the relevance bench, ranking by best chunk lost
 * 1–3% nDCG@10 against plain BM25 over whole documents). The chunk index gives each hit its
 * passage and serves callers whose rules hide content (`matchAll`, rescored over what they read). Text is analyzed in
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

	constructor(
		private readonly deps: {
			knex: Knex;
			language?: TextLanguage;
			/** Told the tables of an index before they are created (the API layer keeps them out of Directus's schema). */
			onTables?: (tables: string[]) => void;
		},
	) {}

	private get language(): TextLanguage {
		return this.deps.language ?? 'english';
	}

	private ensure(indexId: string): Promise<void> {
		let ready = this.ready.get(indexId);
		if (!ready) {
			const { fts, rows } = sqliteFullTextTables(indexId);
			this.deps.onTables?.(sqliteFullTextTableNames(indexId));
			ready = (async () => {
				await this.deps.knex.raw(`CREATE TABLE IF NOT EXISTS "${rows}" (id INTEGER PRIMARY KEY, item TEXT NOT NULL, chunk INTEGER NOT NULL, field TEXT NOT NULL, position INTEGER NOT NULL, terms TEXT NOT NULL, content TEXT NOT NULL)`);
				await this.deps.knex.raw(`CREATE UNIQUE INDEX IF NOT EXISTS "${rows}_item" ON "${rows}" (item, chunk)`);
				await this.deps.knex.raw(`CREATE VIRTUAL TABLE IF NOT EXISTS "${fts}" USING fts5(terms, content='${rows}', content_rowid='id', tokenize='unicode61 remove_diacritics 0')`);
				await this.ensureItemIndex(indexId);
			})().catch((error: unknown) => {
				this.ready.delete(indexId);
				throw error;
			});
			this.ready.set(indexId, ready);
		}
		return ready;
	}

	/**
	 * The item-level index. Indexes created before it existed get it filled from their chunk
	 * rows (an item's chunks joined; overlaps count twice until the item is next indexed).
	 */
	private async ensureItemIndex(indexId: string): Promise<void> {
		const { rows, itemFts, items } = sqliteFullTextTables(indexId);
		const knex = this.deps.knex;
		const existed = Boolean(await knex('sqlite_master').where({ type: 'table', name: items }).first('name'));
		await knex.raw(`CREATE TABLE IF NOT EXISTS "${items}" (id INTEGER PRIMARY KEY, item TEXT NOT NULL UNIQUE, terms TEXT NOT NULL)`);
		await knex.raw(`CREATE VIRTUAL TABLE IF NOT EXISTS "${itemFts}" USING fts5(terms, content='${items}', content_rowid='id', tokenize='unicode61 remove_diacritics 0')`);
		if (!existed) {
			await knex.transaction(async (trx) => {
				await trx.raw(`INSERT INTO "${items}" (item, terms) SELECT item, group_concat(terms, ' ') FROM (SELECT item, terms FROM "${rows}" ORDER BY item, chunk) GROUP BY item`);
				await trx.raw(`INSERT INTO "${itemFts}" (rowid, terms) SELECT id, terms FROM "${items}"`);
			});
		}
	}

	private async exists(indexId: string): Promise<boolean> {
		if (this.ready.has(indexId)) return true;
		const { fts } = sqliteFullTextTables(indexId);
		const row = await this.deps.knex('sqlite_master').where({ type: 'table', name: fts }).first('name');
		return Boolean(row);
	}

	async replaceItems(indexId: string, items: readonly string[], chunks: readonly FullTextChunk[], documents?: readonly FullTextDocument[]): Promise<void> {
		await this.ensure(indexId);
		const tables = sqliteFullTextTables(indexId);
		const { fts, rows } = tables;
		const analyzed = chunks.map((c) => ({ item: c.item, chunk: c.chunk, field: c.field, position: c.position, terms: analyzeText(c.text, this.language).join(' '), content: c.content }));
		// Whole-item terms: from `documents`, else the item's chunks joined.
		const itemTerms = new Map<string, string>();
		if (documents) for (const d of documents) itemTerms.set(d.item, analyzeText(d.text, this.language).join(' '));
		for (const c of analyzed) if (!documents) itemTerms.set(c.item, itemTerms.has(c.item) ? `${itemTerms.get(c.item)} ${c.terms}` : c.terms);
		const itemRows = [...new Set(analyzed.map((c) => c.item))].filter((item) => itemTerms.has(item)).map((item) => ({ item, terms: itemTerms.get(item)! }));
		await this.deps.knex.transaction(async (trx) => {
			await deleteItems(trx, tables, [...new Set([...items, ...chunks.map((c) => c.item)])]);
			for (let i = 0; i < itemRows.length; i += 100) {
				const part = itemRows.slice(i, i + 100);
				const inserted: { id: number; terms: string }[] = await trx(tables.items).insert(part).returning(['id', 'terms']);
				await trx.raw(`INSERT INTO "${tables.itemFts}" (rowid, terms) VALUES ${inserted.map(() => '(?, ?)').join(', ')}`, inserted.flatMap((r) => [r.id, r.terms]));
			}
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
		await this.ensure(indexId);
		await this.deps.knex.transaction((trx) => deleteItems(trx, sqliteFullTextTables(indexId), items));
	}

	async drop(indexId: string): Promise<void> {
		const { fts, rows, itemFts, items } = sqliteFullTextTables(indexId);
		this.ready.delete(indexId);
		for (const table of [fts, rows, itemFts, items]) await this.deps.knex.raw(`DROP TABLE IF EXISTS "${table}"`);
	}

	/**
	 * Ranks and reads the ranked items' chunks in one statement (the ranking of `rank`, the
	 * passages of `passages`): a keyword search costs one round trip to the database. Where more
	 * items tie at the cut than TIE_MARGIN, it ranks with `rank` and reads the passages after.
	 */
	async search(indexId: string, query: string, page: { limit: number; offset?: number }): Promise<FullTextMatch[]> {
		const terms = analyzeQuery(query, this.language);
		const match = toMatchExpression(terms);
		if (!match || page.limit <= 0 || !(await this.exists(indexId))) return [];
		await this.ensure(indexId);
		const { itemFts, items, rows } = sqliteFullTextTables(indexId);
		const limit = Math.floor(page.limit);
		const offset = Math.floor(page.offset ?? 0);
		const found: (ChunkRow & { s: number; edge: number; n: number })[] = await this.deps.knex.raw(
			`WITH c AS MATERIALIZED (SELECT rowid, bm25("${itemFts}") AS s FROM "${itemFts}" WHERE "${itemFts}" MATCH ? ORDER BY s, rowid LIMIT ?),
			t AS (SELECT i.item, c.s FROM c JOIN "${items}" i ON i.id = c.rowid ORDER BY c.s, i.item LIMIT ? OFFSET ?)
			SELECT t.item, t.s, (SELECT max(s) FROM c) AS edge, (SELECT count(*) FROM c) AS n, r.chunk, r.field, r.position, r.terms, r.content FROM t JOIN "${rows}" r ON r.item = t.item`,
			[match, limit + offset + TIE_MARGIN, limit, offset],
		);
		if (found.length === 0) return [];
		const worst = Math.max(...found.map((r) => Number(r.s)));
		// Read to the margin and the last item kept ties with the last one read: more may tie beyond it.
		if (Number(found[0]!.n) === limit + offset + TIE_MARGIN && worst === Number(found[0]!.edge)) return rankWithPassages(this, indexId, query, page);
		const scores = new Map<string, number>();
		for (const r of found) scores.set(String(r.item), -Number(r.s));
		const passages = bestPassages(found, new Set(terms));
		return [...passages].map(([item, passage]) => ({ item, ...passage, score: scores.get(item)! })).sort(byScoreThenKey);
	}

	async rank(indexId: string, query: string, page: { limit: number; offset?: number }): Promise<FullTextRanked[]> {
		const match = toMatchExpression(analyzeQuery(query, this.language));
		if (!match || page.limit <= 0 || !(await this.exists(indexId))) return [];
		await this.ensure(indexId);
		const { itemFts, items } = sqliteFullTextTables(indexId);
		const limit = Math.floor(page.limit);
		const offset = Math.floor(page.offset ?? 0);
		const want = limit + offset;
		// The bare engine query (FTS5 ranks items, then cuts), TIE_MARGIN rows further; item keys are joined after.
		const ranked = (
			(await this.deps.knex.raw(
				`SELECT i.item, m.s FROM (SELECT rowid, bm25("${itemFts}") AS s FROM "${itemFts}" WHERE "${itemFts}" MATCH ? ORDER BY s, rowid LIMIT ?) m JOIN "${items}" i ON i.id = m.rowid`,
				[match, want + TIE_MARGIN],
			)) as { item: string; s: number }[]
		).map((r) => ({ item: String(r.item), score: -Number(r.s) }));
		if (ranked.length === want + TIE_MARGIN && ranked[want - 1]!.score === ranked[ranked.length - 1]!.score) {
			// More items tie at the cut than were read: all of them, by the same score (rare: long runs of identical texts).
			const cut = ranked[want - 1]!.score;
			const tied = (await this.deps.knex.raw(
				`SELECT i.item, m.s FROM (SELECT rowid, bm25("${itemFts}") AS s FROM "${itemFts}" WHERE "${itemFts}" MATCH ?) m JOIN "${items}" i ON i.id = m.rowid WHERE m.s = ?`,
				[match, -cut],
			)) as { item: string; s: number }[];
			ranked.splice(0, ranked.length, ...ranked.filter((r) => r.score !== cut), ...tied.map((r) => ({ item: String(r.item), score: -Number(r.s) })));
		}
		return ranked.sort(byRankThenItem).slice(offset, want);
	}

	/** Each item's passage: its chunk holding the most query terms (distinct, then occurrences; then the first). */
	async passages(indexId: string, query: string, items: readonly string[]): Promise<Map<string, FullTextPassage>> {
		if (items.length === 0 || !(await this.exists(indexId))) return new Map();
		await this.ensure(indexId);
		const { rows } = sqliteFullTextTables(indexId);
		const chunkRows: ChunkRow[] = [];
		for (let i = 0; i < items.length; i += BATCH) {
			chunkRows.push(...(await this.deps.knex(rows).select('item', 'chunk', 'field', 'position', 'terms', 'content').whereIn('item', items.slice(i, i + BATCH))));
		}
		return bestPassages(chunkRows, new Set(analyzeQuery(query, this.language)));
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

async function deleteItems(trx: Knex.Transaction, tables: ReturnType<typeof sqliteFullTextTables>, items: readonly string[]): Promise<void> {
	const { fts, rows } = tables;
	for (let i = 0; i < items.length; i += BATCH) {
		const part = items.slice(i, i + BATCH);
		const oldItems: { id: number; terms: string }[] = await trx(tables.items).select('id', 'terms').whereIn('item', part);
		for (let j = 0; j < oldItems.length; j += 200) {
			const slice = oldItems.slice(j, j + 200);
			await trx.raw(`INSERT INTO "${tables.itemFts}" ("${tables.itemFts}", rowid, terms) VALUES ${slice.map(() => `('delete', ?, ?)`).join(', ')}`, slice.flatMap((r) => [r.id, r.terms]));
		}
		if (oldItems.length > 0) await trx(tables.items).whereIn('item', part).delete();
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

