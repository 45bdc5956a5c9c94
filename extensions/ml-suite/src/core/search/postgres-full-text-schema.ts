import type { Knex } from 'knex';
import type { FullTextChunk } from './full-text-index.js';

/** The chunk table of the PostgreSQL engine (internal, not a Directus collection): each chunk's terms and passage. */
export const POSTGRES_FULL_TEXT_TABLE = 'ml_fulltext';
/** The item table: each item's distinct terms with their frequencies, its length in terms and the block its postings are packed in. */
export const POSTGRES_FULL_TEXT_ITEMS_TABLE = 'ml_fulltext_items';
/**
 * Postings, packed: one row per (index, term, block), a block being the items one write group
 * wrote, holding those items of the block that contain the term, each with the term's frequency in
 * it and its length (three parallel arrays).
 */
export const POSTGRES_FULL_TEXT_POSTINGS_TABLE = 'ml_fulltext_postings';
/** Document frequency of every term of an index. */
export const POSTGRES_FULL_TEXT_TERMS_TABLE = 'ml_fulltext_terms';
/** Items and total length per index (BM25's N and average length). */
export const POSTGRES_FULL_TEXT_STATS_TABLE = 'ml_fulltext_stats';
/** Every table of this engine. */
export const POSTGRES_FULL_TEXT_TABLES = [POSTGRES_FULL_TEXT_TABLE, POSTGRES_FULL_TEXT_ITEMS_TABLE, POSTGRES_FULL_TEXT_POSTINGS_TABLE, POSTGRES_FULL_TEXT_TERMS_TABLE, POSTGRES_FULL_TEXT_STATS_TABLE] as const;

/** The engine's tables by role, for its SQL. */
export const FT = { CHUNKS: POSTGRES_FULL_TEXT_TABLE, ITEMS: POSTGRES_FULL_TEXT_ITEMS_TABLE, POSTINGS: POSTGRES_FULL_TEXT_POSTINGS_TABLE, TERMS: POSTGRES_FULL_TEXT_TERMS_TABLE, STATS: POSTGRES_FULL_TEXT_STATS_TABLE } as const;
const { CHUNKS, ITEMS, POSTINGS, TERMS, STATS } = FT;

/** Items rebuilt per statement group when an older layout is converted. */
const REBUILD_BATCH = 500;
/** Items per block when postings of one row per (term, item) are packed. */
const PACK_BLOCK = 500;
/** Where the postings of one row per (term, item) wait while they are packed. */
const UNPACKED = `${POSTINGS}_unpacked`;

/** Writes these items' rows from their chunks (the engine's own write path, inside `trx`). */
export type RebuildItems = (trx: Knex.Transaction, indexId: string, items: readonly string[], chunks: readonly FullTextChunk[]) => Promise<unknown>;

/**
 * Creates the engine's tables, and converts the layout of earlier versions (chunk and item rows
 * holding PostgreSQL `tsvector`s, parsed with the text search configuration) by rebuilding every
 * index from the chunk texts those versions kept (`matched`): an item's text is then its chunks
 * joined (overlaps count twice until the item is next indexed). Runs under an advisory lock in
 * one transaction, so processes starting together convert once and never see half a layout.
 * Returns whether a conversion ran.
 */
export async function ensurePostgresFullTextSchema(knex: Knex, rebuild: RebuildItems): Promise<boolean> {
	return knex.transaction(async (trx) => {
		await trx.raw(`SELECT pg_advisory_xact_lock(hashtext(?))`, [`${CHUNKS} layout`]);
		const legacy = Boolean((await trx.raw(`SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? AND column_name = 'tsv'`, [CHUNKS])).rows[0]);
		if (legacy) {
			// Item-level rows of these versions hold the configuration's lexemes: rebuilt below.
			for (const table of [ITEMS, POSTINGS, TERMS, STATS]) await trx.raw(`DROP TABLE IF EXISTS ${table}`);
			await trx.raw(`DROP INDEX IF EXISTS ${CHUNKS}_tsv_idx`);
			await trx.raw(`ALTER TABLE ${CHUNKS} ADD COLUMN IF NOT EXISTS terms text, ALTER COLUMN tsv DROP NOT NULL, ALTER COLUMN matched DROP NOT NULL`);
		}
		// The packed postings table stands already: its statistics targets were set when it was made.
		const packed = Boolean((await trx.raw(`SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? AND column_name = 'items'`, [POSTINGS])).rows[0]);
		// One posting row per (term, item), as versions before packed postings wrote them: packed below, from its rows.
		const unpacked = Boolean((await trx.raw(`SELECT 1 FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? AND column_name = 'item'`, [POSTINGS])).rows[0]);
		if (unpacked) {
			await trx.raw(`ALTER TABLE ${POSTINGS} RENAME TO ${UNPACKED}`);
			await trx.raw(`ALTER INDEX IF EXISTS ${POSTINGS}_pkey RENAME TO ${UNPACKED}_pkey`);
		}
		// Postings and term frequencies are keyed by an integer per index (the statistics row's
		// `key`), not the index id: a posting row and its key are then half as wide.
		// Keys compare bytewise (`COLLATE "C"`): every posting written descends three text keys, and
		// a locale's comparison (even `C.UTF-8` goes through strcoll) made that the largest part of
		// a write. Orders by item then agree with JavaScript's for ties.
		await trx.raw(
			`CREATE TABLE IF NOT EXISTS ${CHUNKS} (index_id varchar(64) COLLATE "C" NOT NULL, item varchar(255) COLLATE "C" NOT NULL, chunk integer NOT NULL, field varchar(255) NOT NULL, position integer NOT NULL, content text NOT NULL, terms text NOT NULL, PRIMARY KEY (index_id, item, chunk))`,
		);
		// `extra`: terms of an item's chunks that its whole text lacks (a chunk cut inside a word), so `matchAll` finds those chunks too.
		// `tfs`: the frequency of each of `terms` (same order), so an item is scored from its own row.
		await trx.raw(
			`CREATE TABLE IF NOT EXISTS ${ITEMS} (index_id varchar(64) COLLATE "C" NOT NULL, item varchar(255) COLLATE "C" NOT NULL, terms text[] NOT NULL, tfs integer[] NOT NULL, extra text[], len integer NOT NULL, block integer NOT NULL, PRIMARY KEY (index_id, item)) WITH (toast_tuple_target = 8160)`,
		);
		await trx.raw(`CREATE INDEX IF NOT EXISTS ${ITEMS}_extra_idx ON ${ITEMS} (index_id) WHERE extra IS NOT NULL`);
		// `toast_tuple_target`: a block's row of a frequent term (and an item's row) holds a few kilobytes of arrays;
		// kept inline up to a page, they are neither compressed on writes nor fetched from TOAST on queries.
		// A block's row of a term is rewritten without an item when that item is deleted or updated; `items` is null
		// in between (emptied), until the same transaction deletes the row.
		await trx.raw(
			`CREATE TABLE IF NOT EXISTS ${POSTINGS} (index_key integer NOT NULL, term text COLLATE "C" NOT NULL, block integer NOT NULL, items text[] COLLATE "C", tfs integer[], lens integer[], PRIMARY KEY (index_key, term, block)) WITH (toast_tuple_target = 8160)`,
		);
		// Every write updates the frequencies of thousands of terms: free space on their pages keeps those updates HOT (no new index entries).
		await trx.raw(`CREATE TABLE IF NOT EXISTS ${TERMS} (index_key integer NOT NULL, term text COLLATE "C" NOT NULL, df integer NOT NULL, PRIMARY KEY (index_key, term)) WITH (fillfactor = 70)`);
		// `blocks`: the last block number of the index (each write group takes the next).
		await trx.raw(
			`CREATE TABLE IF NOT EXISTS ${STATS} (index_id varchar(64) COLLATE "C" PRIMARY KEY, key integer GENERATED ALWAYS AS IDENTITY UNIQUE, docs bigint NOT NULL, total bigint NOT NULL, blocks integer NOT NULL DEFAULT 0) WITH (fillfactor = 50)`,
		);
		if (unpacked) await packPostings(trx);
		// No query filters on these columns: ANALYZE (the engine runs it as an index grows) skips them instead of
		// gathering element statistics of every sampled array and text, which made it cost seconds per run. Set
		// once, with the tables (an ALTER at every start would wait on a running autovacuum of the table).
		if (!packed) {
			await trx.raw(`ALTER TABLE ${CHUNKS} ALTER COLUMN content SET STATISTICS 0, ALTER COLUMN terms SET STATISTICS 0`);
			await trx.raw(`ALTER TABLE ${ITEMS} ALTER COLUMN terms SET STATISTICS 0, ALTER COLUMN tfs SET STATISTICS 0, ALTER COLUMN extra SET STATISTICS 0`);
			await trx.raw(`ALTER TABLE ${POSTINGS} ALTER COLUMN items SET STATISTICS 0, ALTER COLUMN tfs SET STATISTICS 0, ALTER COLUMN lens SET STATISTICS 0`);
		}
		if (!legacy) return unpacked;
		const keys = (await trx.raw(`SELECT DISTINCT index_id, item FROM ${CHUNKS} ORDER BY index_id, item`)).rows as { index_id: string; item: string }[];
		const byIndex = new Map<string, string[]>();
		for (const k of keys) {
			const items = byIndex.get(k.index_id) ?? [];
			items.push(String(k.item));
			byIndex.set(k.index_id, items);
		}
		for (const [indexId, items] of byIndex) {
			for (let i = 0; i < items.length; i += REBUILD_BATCH) {
				const part = items.slice(i, i + REBUILD_BATCH);
				const rows = (await trx.raw(`SELECT item, chunk, field, position, content, matched FROM ${CHUNKS} WHERE index_id = ? AND item = ANY(?) ORDER BY item, chunk`, [indexId, part])).rows as {
					item: string;
					chunk: number;
					field: string;
					position: number;
					content: string;
					matched: string;
				}[];
				await rebuild(trx, indexId, part, rows.map((r) => ({ item: String(r.item), chunk: Number(r.chunk), field: String(r.field), position: Number(r.position), text: String(r.matched), content: String(r.content) })));
			}
		}
		await trx.raw(`ALTER TABLE ${CHUNKS} DROP COLUMN tsv, DROP COLUMN matched, ALTER COLUMN terms SET NOT NULL`);
		return true;
	});
}

/**
 * Packs the postings of versions that wrote one row per (term, item), from those rows (no text is
 * analysed again, so scores stay the same): each index's items are numbered into blocks of
 * PACK_BLOCK in item order, each item row gets its terms' frequencies, each (term, block) one row.
 */
async function packPostings(trx: Knex.Transaction): Promise<void> {
	await trx.raw(`ALTER TABLE ${ITEMS} ADD COLUMN IF NOT EXISTS tfs integer[], ADD COLUMN IF NOT EXISTS block integer, SET (toast_tuple_target = 8160)`);
	await trx.raw(`ALTER TABLE ${STATS} ADD COLUMN IF NOT EXISTS blocks integer NOT NULL DEFAULT 0`);
	await trx.raw(
		`UPDATE ${ITEMS} i SET block = n.block FROM (SELECT index_id, item, (row_number() OVER (PARTITION BY index_id ORDER BY item) - 1) / ${PACK_BLOCK} + 1 AS block FROM ${ITEMS}) n WHERE i.index_id = n.index_id AND i.item = n.item`,
	);
	await trx.raw(`UPDATE ${STATS} s SET blocks = coalesce((SELECT max(block) FROM ${ITEMS} i WHERE i.index_id = s.index_id), 0)`);
	await trx.raw(
		`UPDATE ${ITEMS} i SET terms = a.terms, tfs = a.tfs FROM (SELECT s.index_id, o.item, array_agg(o.term ORDER BY o.term) AS terms, array_agg(o.tf ORDER BY o.term) AS tfs FROM ${UNPACKED} o JOIN ${STATS} s ON s.key = o.index_key GROUP BY s.index_id, o.item) a WHERE i.index_id = a.index_id AND i.item = a.item`,
	);
	await trx.raw(`UPDATE ${ITEMS} SET terms = '{}', tfs = '{}' WHERE tfs IS NULL`);
	await trx.raw(`ALTER TABLE ${ITEMS} ALTER COLUMN tfs SET NOT NULL, ALTER COLUMN block SET NOT NULL`);
	await trx.raw(
		`INSERT INTO ${POSTINGS} (index_key, term, block, items, tfs, lens) SELECT o.index_key, o.term, i.block, array_agg(o.item ORDER BY o.item), array_agg(o.tf ORDER BY o.item), array_agg(o.len ORDER BY o.item) FROM ${UNPACKED} o JOIN ${STATS} s ON s.key = o.index_key JOIN ${ITEMS} i ON i.index_id = s.index_id AND i.item = o.item GROUP BY o.index_key, o.term, i.block`,
	);
	await trx.raw(`DROP TABLE ${UNPACKED}`);
}
