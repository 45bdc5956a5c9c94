import type { Knex } from 'knex';
import { bestPassages, type ChunkTermsRow } from './best-passages.js';
import { BM25_B, BM25_K1, bm25Idf, bm25TermBound } from './bm25.js';
import { byRankThenItem, rankWithPassages, type FullTextChunk, type FullTextDocument, type FullTextIndex, type FullTextMatch, type FullTextPassage, type FullTextRanked, type FullTextTerms } from './full-text-index.js';
import { createPostgresLexer, type PostgresLexer } from './postgres-full-text-lexer.js';
import { ensurePostgresFullTextSchema, FT, POSTGRES_FULL_TEXT_TABLES } from './postgres-full-text-schema.js';

export {
	BM25_WEIGHTS_SQL,
	POSTGRES_FULL_TEXT_ITEMS_TABLE,
	POSTGRES_FULL_TEXT_POSTINGS_TABLE,
	POSTGRES_FULL_TEXT_STAT_DELTAS_TABLE,
	POSTGRES_FULL_TEXT_STATS_TABLE,
	POSTGRES_FULL_TEXT_TABLE,
	POSTGRES_FULL_TEXT_TABLES,
	POSTGRES_FULL_TEXT_TERMS_TABLE,
} from './postgres-full-text-schema.js';

const { CHUNKS, ITEMS, POSTINGS, TERMS, STATS, STAT_DELTAS } = FT;

const BATCH = 500;
/**
 * Chunks per write group, about (whole items): one statement each. Large, because each statement
 * is a round trip that waits for the event loop (an indexing job embeds its next page meanwhile);
 * a group's terms are still worked out while PostgreSQL writes the previous group.
 */
const CHUNKS_PER_GROUP = 1000;
/** Items an index must hold before the engine refreshes planner statistics itself (see `keepStatisticsCurrent`). */
const ANALYZE_MIN_ITEMS = 1000;
/** Items of the rarest query term scored to find the score the top results must beat. */
const PROBE = 256;
/** What an index probe per candidate and term costs, in postings read in order (see `candidatesCheaper`). */
const PROBE_COST = 2;
/** Scores are rounded to this many decimals, so summation order never reorders equal scores. */
const SCALE = 1e9;
/** Writes (groups written, removals) of an index in this process after which its frequency rows are folded (see `compact`). */
const COMPACT_AFTER = 32;
/**
 * PostgreSQL errors after which a write runs again, from the start: a unique violation (another
 * transaction wrote one of the same items meanwhile; its rows are now visible and get replaced)
 * and a deadlock (two writers of the same items, in another order). Writers of different items
 * never meet.
 */
const RETRIED = new Set(['23505', '40P01']);
const WRITE_ATTEMPTS = 5;
/** Sort and hash memory of a write transaction: a group of CHUNKS_PER_GROUP chunks counts ≈ 70,000 terms. */
const WRITE_WORK_MEM = '64MB';

/** One BM25 term contribution of a posting `p` with IDF `w.idf`, given the average length bound as `?`. */
const TERM_SCORE = `w.idf * p.tf * ${BM25_K1 + 1} / (p.tf + ${BM25_K1} * (${1 - BM25_B} + ${BM25_B} * p.len / ?::float8))`;

interface QueryTerm {
	term: string;
	df: number;
	idf: number;
}

/** An item as it is written: its terms, every occurrence once, joined by spaces (PostgreSQL counts them), and the terms of its chunks its whole text lacks. */
interface ItemTerms {
	item: string;
	terms: string;
	extra: string[];
}

/**
 * PostgreSQL keyword index, ranked with BM25 (k1 = 1.2, b = 0.75, Lucene's IDF, as the SQLite
 * engine and the rules path score) over whole items. Text becomes terms through a
 * {@link PostgresLexer}: for `english` (the default) and `simple`, the suite's own analyzer in
 * JavaScript — the SQLite engine's token stream (Porter stemming, stop words, accent folding) —
 * so PostgreSQL stores ready terms and parses nothing on writes; for any other installed text
 * search configuration (`german`, `french`, … with their Snowball stemmers), PostgreSQL's
 * `to_tsvector`. In one transaction per write the engine keeps each item's postings (term, item,
 * term frequency, item length), each term's document frequency and the index's item count and
 * total length, so a query reads only the postings of its terms. Frequencies and counts are kept
 * as rows to be summed (+n, -n), which writes only append: writers of one index never wait for one
 * another (an indexing job writes one page while it embeds the next), and every
 * COMPACT_AFTER writes a process folds each term's rows into one (`compact`).
 *
 * Ranking is exact top-k with early termination (MaxScore): a term adds at most
 * `idf × (k1 + 1)` to a score, so once the k-th best score among the rarest term's best items is
 * known (a lower bound of the true k-th best), items holding only terms whose bounds sum to no
 * more than it cannot enter the top k and are never scored; the remaining candidates are scored
 * in full. Frequent terms (low IDF) thus cost index probes for the candidates, not a pass over
 * their postings. The chunk table keeps each chunk's terms: it gives each hit its passage and,
 * reached through the postings, serves `matchAll`.
 *
 * Scores use corpus statistics, so callers whose rules may hide content are re-scored by the
 * search service over what they may read (`corpusStatistics`).
 */
export class PostgresFullTextIndex implements FullTextIndex {
	readonly engine = 'postgres';
	readonly corpusStatistics = true;
	private ready: Promise<unknown> | null = null;
	/** Item count of each index when this process last refreshed the planner statistics. */
	private readonly analyzedAt = new Map<string, number>();
	private readonly lexer: PostgresLexer;
	/** Writes of each index by this process since it last compacted it. */
	private readonly sinceCompaction = new Map<string, number>();

	constructor(
		private readonly deps: {
			knex: Knex;
			/** PostgreSQL text search configuration (`english`, `simple`, `german`, …). Default: `english`. */
			textSearchConfig?: string;
			/**
			 * `auto`: the suite's analyzer for `english` and `simple`, PostgreSQL's parser for the rest.
			 * `postgres`: PostgreSQL's parser for every configuration (Snowball `english` instead of
			 * Porter; an index must be rebuilt when this changes). Default: `auto`.
			 */
			analyzer?: 'auto' | 'postgres';
		},
	) {
		const config = deps.textSearchConfig ?? 'english';
		if (!/^[a-z_][a-z0-9_]*$/i.test(config)) throw new Error(`Invalid text search configuration "${config}".`);
		this.lexer = createPostgresLexer(config, deps.analyzer);
	}

	/** The query's terms as this engine indexes them (what its postings are keyed by). */
	queryTerms(query: string): Promise<string[]> {
		return this.lexer.query(query, this.deps.knex);
	}

	/** `suite` when the suite's analyzer makes the terms, `postgres` when the text search configuration does. */
	get analyzer(): PostgresLexer['kind'] {
		return this.lexer.kind;
	}

	private ensure(): Promise<unknown> {
		this.ready ??= ensurePostgresFullTextSchema(this.deps.knex, async (trx, indexId, items, chunks) => this.write(trx, indexId, await this.indexKey(trx, indexId), items, chunks)).then(async (converted) => {
			if (converted) for (const table of POSTGRES_FULL_TEXT_TABLES) await this.deps.knex.raw(`ANALYZE ${table}`);
		}).catch((error: unknown) => {
			this.ready = null;
			throw error;
		});
		return this.ready;
	}

	/**
	 * The index's key in the postings and terms tables: its statistics row, created on first use.
	 * Nothing is locked (a writer that only adds rows never waits for another).
	 */
	private async indexKey(db: Knex | Knex.Transaction, indexId: string): Promise<number> {
		for (let attempt = 1; ; attempt++) {
			// A row committed by another process between this statement's snapshot and its insert is
			// neither inserted nor seen: the next round sees it.
			const row = (
				await db.raw(`WITH added AS (INSERT INTO ${STATS} (index_id, docs, total) VALUES (?, 0, 0) ON CONFLICT (index_id) DO NOTHING RETURNING key) SELECT key FROM added UNION ALL SELECT key FROM ${STATS} WHERE index_id = ?`, [indexId, indexId])
			).rows[0] as { key: number } | undefined;
			if (row) return Number(row.key);
			if (attempt >= WRITE_ATTEMPTS) throw new Error(`The keyword index of ${indexId} has no statistics row after ${attempt} attempts.`);
		}
	}

	/**
	 * Refreshes the planner statistics of the item and chunk tables when an index has doubled (at
	 * least ANALYZE_MIN_ITEMS items) since this process last did. Without them, e.g. during the
	 * first load of a large index while autovacuum is off or has not caught up yet, PostgreSQL
	 * takes `index_id = ?` for a selective condition and answers the per-item lookups of every
	 * write (`index_id = ? AND item = ANY(?)`) by scanning all rows of the index: writes slow down
	 * as the index grows. ANALYZE samples a bounded number of rows, and doubling keeps it to a few
	 * runs per load. Postings and frequencies are only reached by their keys (written and deleted
	 * by term and item, read by term): their statistics are left to autovacuum (analysing the
	 * postings, the largest table, took most of this work's time).
	 */
	private async keepStatisticsCurrent(indexId: string, docs: number): Promise<void> {
		if (docs < ANALYZE_MIN_ITEMS || docs < 2 * (this.analyzedAt.get(indexId) ?? 0)) return;
		this.analyzedAt.set(indexId, docs);
		// Only the lookup columns: statistics of the chunk texts and term lists cost most of the sampling and guide no plan.
		for (const table of [ITEMS, CHUNKS]) await this.deps.knex.raw(`ANALYZE ${table} (index_id, item)`);
	}

	/**
	 * Removes items' rows: their postings (and, as rows to be summed, their share of the document
	 * frequencies), item and chunk rows and their share of the statistics. Per BATCH items, one
	 * statement reads which of them are stored and their terms, and, when any are, one more removes
	 * them. The postings go by their keys (term, item) as read, so the plan never depends on
	 * planner statistics (a new index has none: a join over the index's postings then took seconds).
	 */
	private async deleteItemRows(trx: Knex.Transaction, indexId: string, key: number, items: readonly string[]): Promise<void> {
		for (let i = 0; i < items.length; i += BATCH) {
			const stored = (await trx.raw(`SELECT item, terms FROM ${ITEMS} WHERE index_id = ? AND item = ANY(?)`, [indexId, items.slice(i, i + BATCH)])).rows as { item: string; terms: string[] }[];
			if (stored.length === 0) continue;
			const terms: string[] = [];
			const owners: string[] = [];
			for (const row of stored) {
				for (const term of row.terms) {
					terms.push(term);
					owners.push(row.item);
				}
			}
			const part = stored.map((row) => row.item);
			await trx.raw(
				`WITH gone AS (DELETE FROM ${POSTINGS} p USING unnest(?::text[], ?::text[]) AS o(term, item) WHERE p.index_key = ? AND p.term = o.term AND p.item = o.item RETURNING p.term),
				frequencies AS (INSERT INTO ${TERMS} (index_key, term, df) SELECT ?, term, -count(*) FROM gone GROUP BY term),
				chunks AS (DELETE FROM ${CHUNKS} WHERE index_id = ? AND item = ANY(?)),
				removed AS (DELETE FROM ${ITEMS} WHERE index_id = ? AND item = ANY(?) RETURNING len)
				INSERT INTO ${STAT_DELTAS} (index_key, docs, total) SELECT ?, -count(*), -coalesce(sum(len), 0) FROM removed`,
				[terms, owners, key, key, indexId, part, indexId, part, key],
			);
		}
	}

	async replaceItems(indexId: string, items: readonly string[], chunks: readonly FullTextChunk[], documents?: readonly FullTextDocument[]): Promise<void> {
		await this.ensure();
		const key = await this.indexKey(this.deps.knex, indexId);
		const { docs, groups } = await this.transaction((trx) => this.write(trx, indexId, key, items, chunks, documents));
		await this.keepStatisticsCurrent(indexId, docs);
		await this.compactWhenDue(indexId, Math.max(1, groups));
	}

	/**
	 * Each chunk's terms, and each item's: from its whole text in `wholeTexts`, else its chunks'
	 * terms in order (the item's text is its chunks joined, so nothing is analysed twice); each as
	 * stored, every occurrence once, joined by spaces. Items without chunks get no row.
	 */
	private async analyze(db: Knex.Transaction, chunks: readonly FullTextChunk[], documents: ReadonlyMap<string, string>): Promise<{ chunkTerms: string[]; items: ItemTerms[] }> {
		const withChunks = new Set(chunks.map((c) => c.item));
		const wholeTexts = new Map<string, string>();
		for (const item of withChunks) if (documents.has(item)) wholeTexts.set(item, documents.get(item)!);
		// An item of one chunk usually has that chunk's text as its whole text: each distinct text is analysed once.
		const texts = [...chunks.map((c) => c.text), ...wholeTexts.values()];
		const slots = new Map<string, number>();
		const distinct: string[] = [];
		const slotOf = texts.map((text) => {
			let slot = slots.get(text);
			if (slot === undefined) {
				slot = distinct.push(text) - 1;
				slots.set(text, slot);
			}
			return slot;
		});
		const terms = await this.lexer.terms(distinct, db);
		const analysed = slotOf.map((slot) => terms[slot]!);
		const chunkTerms = chunks.map((_, i) => analysed[i]!.join(' '));
		const wholeTerms = new Map([...wholeTexts.keys()].map((item, i) => [item, analysed[chunks.length + i]!]));
		const joined = new Map<string, string[]>();
		const extra = new Map<string, Set<string>>();
		const held = new Map<string, Set<string>>();
		chunks.forEach((c, i) => {
			const whole = wholeTerms.get(c.item);
			if (whole) {
				let terms = held.get(c.item);
				if (!terms) held.set(c.item, (terms = new Set(whole)));
				for (const term of analysed[i]!) {
					if (terms.has(term)) continue;
					const lacking = extra.get(c.item);
					if (lacking) lacking.add(term);
					else extra.set(c.item, new Set([term]));
				}
				return;
			}
			if (chunkTerms[i] === '') return;
			const parts = joined.get(c.item);
			if (parts) parts.push(chunkTerms[i]!);
			else joined.set(c.item, [chunkTerms[i]!]);
		});
		const items = [...withChunks].map((item): ItemTerms => ({ item, terms: wholeTerms.get(item)?.join(' ') ?? joined.get(item)?.join(' ') ?? '', extra: [...(extra.get(item) ?? [])] }));
		return { chunkTerms, items };
	}

	/**
	 * Replaces these items' rows inside `trx`; returns the index's item count (what other writers
	 * have committed, plus this write's last group) and the groups written. Items are written in groups, and a group's terms
	 * are worked out while PostgreSQL writes the previous group (with the suite's analyzer,
	 * JavaScript and the database then work at the same time).
	 */
	private async write(
		trx: Knex.Transaction,
		indexId: string,
		key: number,
		items: readonly string[],
		chunks: readonly FullTextChunk[],
		documents?: readonly FullTextDocument[],
	): Promise<{ docs: number; groups: number }> {
		const all = [...new Set([...items, ...chunks.map((c) => c.item)])];
		const wholeTexts = new Map((documents ?? []).map((d) => [d.item, d.text]));
		// A group's terms are counted and ordered in memory (the default 4 MB spilled them to disk).
		await trx.raw(`SET LOCAL work_mem = '${WRITE_WORK_MEM}'`);
		await this.deleteItemRows(trx, indexId, key, all);
		let docs = 0;
		let groups = 0;
		let writing: Promise<number> | null = null;
		for (const group of groupByItem(chunks, CHUNKS_PER_GROUP)) {
			const analysed = await this.analyze(trx, group, wholeTexts);
			if (writing) docs = await writing;
			writing = this.writeGroup(trx, indexId, key, group, analysed);
			groups++;
		}
		if (writing) docs = await writing;
		return { docs, groups };
	}

	/**
	 * One statement for a group of whole items, from their terms as text: PostgreSQL splits and
	 * counts them (term frequencies, item lengths) and
	 * writes the item rows, postings (in key order, so index pages are visited in order), chunk
	 * rows, and, as rows to be added to the index's, the group's document frequencies and
	 * statistics. Only inserts: nothing another writer holds is touched.
	 */
	private async writeGroup(trx: Knex.Transaction, indexId: string, key: number, chunks: readonly FullTextChunk[], analysed: { chunkTerms: string[]; items: ItemTerms[] }): Promise<number> {
		const result = await trx.raw(
			`WITH i AS MATERIALIZED (SELECT i.item COLLATE "C" AS item, i.terms FROM unnest(?::text[], ?::text[]) AS i(item, terms)),
			tf AS MATERIALIZED (SELECT i.item, t.term COLLATE "C" AS term, count(*)::int AS tf FROM i CROSS JOIN LATERAL string_to_table(i.terms, ' ') AS t(term) WHERE t.term <> '' GROUP BY 1, 2),
			lengths AS MATERIALIZED (SELECT i.item, coalesce(sum(tf.tf), 0)::int AS len, coalesce(array_agg(tf.term) FILTER (WHERE tf.term IS NOT NULL), '{}') AS terms FROM i LEFT JOIN tf ON tf.item = i.item GROUP BY i.item),
			c AS (SELECT c.item COLLATE "C" AS item, c.chunk, c.field, c.position, c.content, c.terms FROM unnest(?::text[], ?::int[], ?::text[], ?::int[], ?::text[], ?::text[]) AS c(item, chunk, field, position, content, terms)),
			extra AS (SELECT e.item COLLATE "C" AS item, array_agg(e.term) AS extra FROM unnest(?::text[], ?::text[]) AS e(item, term) GROUP BY 1),
			added_items AS (INSERT INTO ${ITEMS} (index_id, item, terms, extra, len) SELECT ?, l.item, l.terms, extra.extra, l.len FROM lengths l LEFT JOIN extra ON extra.item = l.item ORDER BY l.item),
			added_postings AS (INSERT INTO ${POSTINGS} (index_key, term, item, tf, len) SELECT ?, tf.term, tf.item, tf.tf, l.len FROM tf JOIN lengths l ON l.item = tf.item ORDER BY tf.term, tf.item),
			added_terms AS (INSERT INTO ${TERMS} (index_key, term, df) SELECT ?, tf.term, count(*) FROM tf GROUP BY tf.term ORDER BY tf.term),
			added_chunks AS (INSERT INTO ${CHUNKS} (index_id, item, chunk, field, position, content, terms) SELECT ?, c.item, c.chunk, c.field, c.position, c.content, c.terms FROM c ORDER BY c.item, c.chunk),
			added_stats AS (INSERT INTO ${STAT_DELTAS} (index_key, docs, total) SELECT ?, count(*), coalesce(sum(len), 0) FROM lengths)
			SELECT (SELECT docs FROM ${STATS} WHERE key = ?) + (SELECT coalesce(sum(docs), 0) FROM ${STAT_DELTAS} WHERE index_key = ?) + (SELECT count(*) FROM lengths) AS docs`,
			[
				analysed.items.map((i) => i.item),
				analysed.items.map((i) => i.terms),
				chunks.map((c) => c.item),
				chunks.map((c) => c.chunk),
				chunks.map((c) => c.field),
				chunks.map((c) => c.position),
				chunks.map((c) => c.content),
				analysed.chunkTerms,
				analysed.items.flatMap((i) => i.extra.map(() => i.item)),
				analysed.items.flatMap((i) => i.extra),
				indexId,
				key,
				key,
				indexId,
				key,
				key,
				key,
			],
		);
		return Number(result.rows[0]?.docs ?? 0);
	}

	async removeItems(indexId: string, items: readonly string[]): Promise<void> {
		if (items.length === 0) return;
		await this.ensure();
		const key = await this.indexKey(this.deps.knex, indexId);
		await this.transaction((trx) => this.deleteItemRows(trx, indexId, key, items));
		await this.compactWhenDue(indexId, 1);
	}

	/** Runs a write in a transaction, again after a conflict with another writer of the same items (RETRIED). */
	private async transaction<T>(work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
		for (let attempt = 1; ; attempt++) {
			try {
				return await this.deps.knex.transaction(work);
			} catch (error) {
				if (attempt >= WRITE_ATTEMPTS || !RETRIED.has(String((error as { code?: unknown }).code))) throw error;
			}
		}
	}

	/**
	 * After COMPACT_AFTER writes of an index by this process, folds its frequency rows (`compact`).
	 * Runs after the write's commit, outside its transaction.
	 */
	private async compactWhenDue(indexId: string, writes: number): Promise<void> {
		const since = (this.sinceCompaction.get(indexId) ?? 0) + writes;
		this.sinceCompaction.set(indexId, since >= COMPACT_AFTER ? 0 : since);
		if (since >= COMPACT_AFTER) await this.compact(indexId);
	}

	/**
	 * Folds each term's frequency rows into one (dropping terms no item holds any more) and the
	 * statistics' change rows into the statistics row, in one transaction. A writer running
	 * meanwhile only adds rows this transaction does not see, so nothing is counted twice or lost.
	 * One process compacts an index at a time; another that finds it busy skips.
	 */
	async compact(indexId: string): Promise<void> {
		await this.ensure();
		await this.deps.knex.transaction(async (trx) => {
			const row = (await trx.raw(`SELECT key FROM ${STATS} WHERE index_id = ?`, [indexId])).rows[0] as { key: number } | undefined;
			if (!row) return;
			const key = Number(row.key);
			const locked = (await trx.raw(`SELECT pg_try_advisory_xact_lock(hashtext(?)) AS ok`, [`${TERMS} compact ${key}`])).rows[0] as { ok: boolean };
			if (!locked.ok) return;
			await trx.raw(
				`WITH folded AS MATERIALIZED (SELECT term FROM ${TERMS} WHERE index_key = ? GROUP BY term HAVING count(*) > 1),
				gone AS (DELETE FROM ${TERMS} t USING folded WHERE t.index_key = ? AND t.term = folded.term RETURNING t.term, t.df)
				INSERT INTO ${TERMS} (index_key, term, df) SELECT ?, term, sum(df) FROM gone GROUP BY term HAVING sum(df) <> 0 ORDER BY term COLLATE "C"`,
				[key, key, key],
			);
			await trx.raw(
				`WITH gone AS (DELETE FROM ${STAT_DELTAS} WHERE index_key = ? RETURNING docs, total)
				UPDATE ${STATS} SET docs = docs + (SELECT coalesce(sum(docs), 0) FROM gone), total = total + (SELECT coalesce(sum(total), 0) FROM gone) WHERE key = ?`,
				[key, key],
			);
		});
	}

	async drop(indexId: string): Promise<void> {
		await this.ensure();
		await this.deps.knex.transaction(async (trx) => {
			const key = (await trx(STATS).where('index_id', indexId).first('key')) as { key: number } | undefined;
			if (key) for (const table of [POSTINGS, TERMS, STAT_DELTAS]) await trx(table).where('index_key', key.key).delete();
			for (const table of [CHUNKS, ITEMS, STATS]) await trx(table).where('index_id', indexId).delete();
		});
		this.sinceCompaction.delete(indexId);
	}

	search(indexId: string, query: string, page: { limit: number; offset?: number }): Promise<FullTextMatch[]> {
		return rankWithPassages(this, indexId, query, page);
	}

	async rank(indexId: string, query: string, page: { limit: number; offset?: number }): Promise<FullTextRanked[]> {
		if (page.limit <= 0) return [];
		const queryTerms = await this.lexer.query(query, this.deps.knex);
		if (queryTerms.length === 0) return [];
		await this.ensure();
		const limit = Math.floor(page.limit);
		const offset = Math.floor(page.offset ?? 0);
		const want = limit + offset;
		// The query's terms that occur in the index, with their frequencies and the index's counts (each a sum of rows).
		const found = (
			await this.deps.knex.raw(
				`SELECT s.key, t.term, t.df, s.docs + coalesce(d.docs, 0) AS docs, s.total + coalesce(d.total, 0) AS total FROM ${STATS} s
				CROSS JOIN LATERAL (SELECT sum(docs) AS docs, sum(total) AS total FROM ${STAT_DELTAS} WHERE index_key = s.key) d
				JOIN LATERAL (SELECT term, sum(df) AS df FROM ${TERMS} WHERE index_key = s.key AND term = ANY(?::text[]) GROUP BY term) t ON t.df > 0
				WHERE s.index_id = ?`,
				[queryTerms, indexId],
			)
		).rows as { key: number; term: string; df: number | string; docs: number | string; total: number | string }[];
		if (found.length === 0) return [];
		const key = Number(found[0]!.key);
		const docs = Number(found[0]!.docs);
		const avgLength = Number(found[0]!.total) / docs || 1;
		// Rarest first (highest IDF, so highest bound); ties by term, so the order is fixed.
		const terms: QueryTerm[] = found
			.map((r) => ({ term: String(r.term), df: Number(r.df), idf: bm25Idf(docs, Number(r.df)) }))
			.sort((a, b) => b.idf - a.idf || (a.term < b.term ? -1 : a.term > b.term ? 1 : 0));
		let essential = terms;
		// The probe and a cut only pay off when the rarest term's items are much fewer than all postings read by a full pass.
		if (terms.length > 1 && candidatesCheaper(terms.slice(0, 1), terms)) {
			// A lower bound of the want-th best score: the want-th best full score among the rarest term's best items.
			const rarest = terms[0]!;
			const probe = await this.score(key, terms, avgLength, { from: [rarest.term], probe: true, limit: want, offset: 0 });
			if (probe.length >= want) {
				const threshold = probe[want - 1]!.score - 1 / SCALE;
				// Terms whose bounds, summed from the least, stay at or under the threshold cannot carry an item into the top results alone.
				let cut = terms.length;
				let bound = 0;
				while (cut > 1 && bound + bm25TermBound(terms[cut - 1]!.idf) <= threshold) bound += bm25TermBound(terms[--cut]!.idf);
				// The probe scored every item of the only term that can place an item: it is the answer.
				if (cut === 1 && rarest.df <= PROBE) return probe.slice(offset, want);
				essential = terms.slice(0, cut);
				// Scoring the candidates one by one costs more than a full pass when they are many (terms of similar frequency).
				if (!candidatesCheaper(essential, terms)) essential = terms;
			}
		}
		return this.score(key, terms, avgLength, { from: essential.length < terms.length ? essential.map((t) => t.term) : null, probe: false, limit, offset });
	}

	/**
	 * Items best first by BM25 over all query `terms`. Candidates are the items holding a term of
	 * `from` (null: any query term); with `probe`, only the `PROBE` items the rarest of them
	 * contributes most to.
	 */
	private async score(
		key: number,
		terms: readonly QueryTerm[],
		avgLength: number,
		options: { from: readonly string[] | null; probe: boolean; limit: number; offset: number },
	): Promise<FullTextRanked[]> {
		const names = terms.map((t) => t.term);
		const idfs = terms.map((t) => t.idf);
		let rows: { item: string; score: number }[];
		if (options.from === null) {
			// Every posting of the query's terms, summed per item.
			rows = (
				await this.deps.knex.raw(
					`SELECT p.item, round(sum(${TERM_SCORE}) * ${SCALE}) / ${SCALE} AS score FROM ${POSTINGS} p JOIN unnest(?::text[], ?::float8[]) AS w(term, idf) ON w.term = p.term WHERE p.index_key = ? AND p.term = ANY(?::text[]) GROUP BY p.item ORDER BY score DESC, p.item LIMIT ? OFFSET ?`,
					[avgLength, names, idfs, key, names, options.limit, options.offset],
				)
			).rows;
		} else {
			// Candidates first, then each candidate's postings of every query term by key (an index probe per candidate).
			const candidates = options.probe
				? `SELECT item FROM ${POSTINGS} WHERE index_key = ? AND term = ANY(?::text[]) ORDER BY tf::float8 / (tf + ${BM25_K1} * (${1 - BM25_B} + ${BM25_B} * len / ?::float8)) DESC, item LIMIT ${PROBE}`
				: `SELECT DISTINCT item FROM ${POSTINGS} WHERE index_key = ? AND term = ANY(?::text[])`;
			rows = (
				await this.deps.knex.raw(
					`SELECT c.item, s.score FROM (${candidates}) c CROSS JOIN LATERAL (SELECT round(sum(${TERM_SCORE}) * ${SCALE}) / ${SCALE} AS score FROM ${POSTINGS} p JOIN unnest(?::text[], ?::float8[]) AS w(term, idf) ON w.term = p.term WHERE p.index_key = ? AND p.item = c.item AND p.term = ANY(?::text[])) s ORDER BY s.score DESC, c.item LIMIT ? OFFSET ?`,
					[key, options.from, ...(options.probe ? [avgLength] : []), avgLength, names, idfs, key, names, options.limit, options.offset],
				)
			).rows;
		}
		return rows.map((r) => ({ item: String(r.item), score: Number(r.score) })).sort(byRankThenItem);
	}

	/** Each item's passage: its chunk holding the most query terms (distinct, then occurrences; then the first), as on SQLite. */
	async passages(indexId: string, query: string, items: readonly string[]): Promise<Map<string, FullTextPassage>> {
		if (items.length === 0) return new Map();
		const wanted = new Set(await this.lexer.query(query, this.deps.knex));
		await this.ensure();
		const rows: ChunkTermsRow[] = [];
		for (let i = 0; i < items.length; i += BATCH) {
			rows.push(...((await this.deps.knex.raw(`SELECT item, chunk, field, position, terms, content FROM ${CHUNKS} WHERE index_id = ? AND item = ANY(?)`, [indexId, items.slice(i, i + BATCH)])).rows as ChunkTermsRow[]));
		}
		return bestPassages(rows, wanted);
	}

	/** Chunks holding a query term: those of the items whose postings (or chunk-only terms) hold one, checked against each chunk's terms. */
	async matchAll(indexId: string, query: string): Promise<{ queryTerms: string[]; chunks: FullTextTerms[] }> {
		const queryTerms = await this.lexer.query(query, this.deps.knex);
		if (queryTerms.length === 0) return { queryTerms, chunks: [] };
		await this.ensure();
		const rows = (
			await this.deps.knex.raw(
				`SELECT item, chunk, field, position, terms, content FROM ${CHUNKS} WHERE index_id = ? AND item IN (SELECT p.item FROM ${STATS} s JOIN ${POSTINGS} p ON p.index_key = s.key WHERE s.index_id = ? AND p.term = ANY(?::text[]) UNION SELECT item FROM ${ITEMS} WHERE index_id = ? AND extra IS NOT NULL AND extra && ?::text[])`,
				[indexId, indexId, queryTerms, indexId, queryTerms],
			)
		).rows as ChunkTermsRow[];
		const wanted = new Set(queryTerms);
		const chunks: FullTextTerms[] = [];
		for (const r of rows) {
			const terms = r.terms ? r.terms.split(' ') : [];
			if (terms.some((t) => wanted.has(t))) chunks.push({ item: String(r.item), chunk: Number(r.chunk), field: String(r.field), position: Number(r.position), terms, content: String(r.content) });
		}
		return { queryTerms, chunks };
	}

	async count(indexId: string): Promise<number> {
		await this.ensure();
		const row = await this.deps.knex(CHUNKS).where('index_id', indexId).count({ n: '*' }).first();
		return Number(row?.n ?? 0);
	}
}

/**
 * Whether scoring the items of `from` one by one (an index probe per item and query term) costs
 * less than a full pass over every posting of `terms`: a probe costs about PROBE_COST postings read
 * in order (measured at 100k chunks: 1,800 candidates of 3 terms took 5× the 2,800-posting pass;
 * 1,800 candidates against a 17,000-posting pass, a fifth of it).
 */
function candidatesCheaper(from: readonly QueryTerm[], terms: readonly QueryTerm[]): boolean {
	const postings = (list: readonly QueryTerm[]): number => list.reduce((n, t) => n + t.df, 0);
	return postings(from) * terms.length * PROBE_COST < postings(terms);
}

/** Chunks in groups of whole items (an item's chunks are never split), about `size` chunks each. */
function groupByItem(chunks: readonly FullTextChunk[], size: number): FullTextChunk[][] {
	const byItem = new Map<string, FullTextChunk[]>();
	for (const c of chunks) {
		const list = byItem.get(c.item);
		if (list) list.push(c);
		else byItem.set(c.item, [c]);
	}
	const groups: FullTextChunk[][] = [];
	let current: FullTextChunk[] = [];
	for (const list of byItem.values()) {
		if (current.length > 0 && current.length + list.length > size) {
			groups.push(current);
			current = [];
		}
		current.push(...list);
	}
	if (current.length > 0) groups.push(current);
	return groups;
}
