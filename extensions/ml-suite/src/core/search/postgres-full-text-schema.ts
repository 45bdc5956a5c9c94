import type { Knex } from 'knex';
import type { FullTextChunk } from './full-text-index.js';

/** The chunk table of the PostgreSQL engine (internal, not a Directus collection): each chunk's terms and passage. */
export const POSTGRES_FULL_TEXT_TABLE = 'ml_fulltext';
/** The item table: each item's distinct terms (what its postings are keyed by) and its length in terms. */
export const POSTGRES_FULL_TEXT_ITEMS_TABLE = 'ml_fulltext_items';
/** Postings: one row per (term, item) with the term's frequency in the item and the item's length. */
export const POSTGRES_FULL_TEXT_POSTINGS_TABLE = 'ml_fulltext_postings';
/**
 * Document frequencies of an index's terms as rows to be summed: a term's frequency is the sum of
 * its rows. Writes only append rows (+n for items added, -n for items removed), so writers of one
 * index never wait for one another; `compact` folds a term's rows into one.
 */
export const POSTGRES_FULL_TEXT_TERMS_TABLE = 'ml_fulltext_terms';
/** One row per index: its key in the postings and terms tables, and its item count and total length as of the last compaction. */
export const POSTGRES_FULL_TEXT_STATS_TABLE = 'ml_fulltext_stats';
/** Changes of an index's item count and total length since the last compaction (summed with its statistics row). */
export const POSTGRES_FULL_TEXT_STAT_DELTAS_TABLE = 'ml_fulltext_stat_deltas';
/** Every table of this engine. */
export const POSTGRES_FULL_TEXT_TABLES = [
	POSTGRES_FULL_TEXT_TABLE,
	POSTGRES_FULL_TEXT_ITEMS_TABLE,
	POSTGRES_FULL_TEXT_POSTINGS_TABLE,
	POSTGRES_FULL_TEXT_TERMS_TABLE,
	POSTGRES_FULL_TEXT_STATS_TABLE,
	POSTGRES_FULL_TEXT_STAT_DELTAS_TABLE,
] as const;

/** The engine's tables by role, for its SQL. */
export const FT = {
	CHUNKS: POSTGRES_FULL_TEXT_TABLE,
	ITEMS: POSTGRES_FULL_TEXT_ITEMS_TABLE,
	POSTINGS: POSTGRES_FULL_TEXT_POSTINGS_TABLE,
	TERMS: POSTGRES_FULL_TEXT_TERMS_TABLE,
	STATS: POSTGRES_FULL_TEXT_STATS_TABLE,
	STAT_DELTAS: POSTGRES_FULL_TEXT_STAT_DELTAS_TABLE,
} as const;
const { CHUNKS, ITEMS, POSTINGS, TERMS, STATS, STAT_DELTAS } = FT;

/**
 * Common table expressions of an index's BM25 weights as the engine reads them (every count the
 * sum of its rows): `s(key, docs, avg)` for the index whose id is the first parameter and
 * `w(term, idf)` (Lucene's IDF) for its terms among the second parameter (`text[]`). For checks
 * and benchmarks that rank in one statement.
 */
export const BM25_WEIGHTS_SQL = `s AS (SELECT s.key, s.docs + coalesce(d.docs, 0) AS docs, (s.total + coalesce(d.total, 0))::float8 / greatest(s.docs + coalesce(d.docs, 0), 1) AS avg FROM ${STATS} s CROSS JOIN LATERAL (SELECT sum(docs) AS docs, sum(total) AS total FROM ${STAT_DELTAS} WHERE index_key = s.key) d WHERE s.index_id = ?),
	w AS (SELECT t.term, ln(1 + (s.docs - t.df + 0.5) / (t.df + 0.5)) AS idf FROM s CROSS JOIN LATERAL (SELECT term, sum(df) AS df FROM ${TERMS} WHERE index_key = s.key AND term = ANY(?::text[]) GROUP BY term) t WHERE t.df > 0)`;

/** Items rebuilt per statement group when an older layout is converted. */
const REBUILD_BATCH = 500;

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
			for (const table of [ITEMS, POSTINGS, TERMS, STATS, STAT_DELTAS]) await trx.raw(`DROP TABLE IF EXISTS ${table}`);
			await trx.raw(`DROP INDEX IF EXISTS ${CHUNKS}_tsv_idx`);
			await trx.raw(`ALTER TABLE ${CHUNKS} ADD COLUMN IF NOT EXISTS terms text, ALTER COLUMN tsv DROP NOT NULL, ALTER COLUMN matched DROP NOT NULL`);
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
		await trx.raw(`CREATE TABLE IF NOT EXISTS ${ITEMS} (index_id varchar(64) COLLATE "C" NOT NULL, item varchar(255) COLLATE "C" NOT NULL, terms text[] NOT NULL, extra text[], len integer NOT NULL, PRIMARY KEY (index_id, item))`);
		await trx.raw(`CREATE INDEX IF NOT EXISTS ${ITEMS}_extra_idx ON ${ITEMS} (index_id) WHERE extra IS NOT NULL`);
		await trx.raw(`CREATE TABLE IF NOT EXISTS ${POSTINGS} (index_key integer NOT NULL, term text COLLATE "C" NOT NULL, item varchar(255) COLLATE "C" NOT NULL, tf integer NOT NULL, len integer NOT NULL, PRIMARY KEY (index_key, term, item))`);
		// Rows to be summed per term (see POSTGRES_FULL_TEXT_TERMS_TABLE). Earlier versions kept one
		// row per term, updated in place by every write (writers of an index took turns on its
		// statistics row): their rows are each term's sum, so only the key changes.
		await trx.raw(`CREATE TABLE IF NOT EXISTS ${TERMS} (index_key integer NOT NULL, term text COLLATE "C" NOT NULL, df integer NOT NULL)`);
		const keyed = Boolean((await trx.raw(`SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass(?) AND contype = 'p'`, [TERMS])).rows[0]);
		if (keyed) await trx.raw(`ALTER TABLE ${TERMS} DROP CONSTRAINT ${TERMS}_pkey`);
		await trx.raw(`CREATE INDEX IF NOT EXISTS ${TERMS}_term_idx ON ${TERMS} (index_key, term) INCLUDE (df)`);
		await trx.raw(`CREATE TABLE IF NOT EXISTS ${STATS} (index_id varchar(64) COLLATE "C" PRIMARY KEY, key integer GENERATED ALWAYS AS IDENTITY UNIQUE, docs bigint NOT NULL, total bigint NOT NULL)`);
		await trx.raw(`CREATE TABLE IF NOT EXISTS ${STAT_DELTAS} (index_key integer NOT NULL, docs integer NOT NULL, total bigint NOT NULL)`);
		await trx.raw(`CREATE INDEX IF NOT EXISTS ${STAT_DELTAS}_key_idx ON ${STAT_DELTAS} (index_key)`);
		if (!legacy) return false;
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
				await trx.raw(`DELETE FROM ${CHUNKS} WHERE index_id = ? AND item = ANY(?)`, [indexId, part]);
				await rebuild(trx, indexId, part, rows.map((r) => ({ item: String(r.item), chunk: Number(r.chunk), field: String(r.field), position: Number(r.position), text: String(r.matched), content: String(r.content) })));
			}
		}
		await trx.raw(`ALTER TABLE ${CHUNKS} DROP COLUMN tsv, DROP COLUMN matched, ALTER COLUMN terms SET NOT NULL`);
		return true;
	});
}
