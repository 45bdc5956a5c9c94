import type { Knex } from 'knex';
import { bestPassages, type ChunkTermsRow } from './best-passages.js';
import { BM25_B, BM25_K1, bm25Idf, bm25TermBound } from './bm25.js';
import { byRankThenItem, rankWithPassages, type FullTextChunk, type FullTextDocument, type FullTextIndex, type FullTextMatch, type FullTextPassage, type FullTextRanked, type FullTextTerms } from './full-text-index.js';
import { createPostgresLexer, type PostgresLexer } from './postgres-full-text-lexer.js';
import {
	ensurePostgresFullTextSchema,
	FT,
	POSTGRES_FULL_TEXT_ITEMS_TABLE,
	POSTGRES_FULL_TEXT_POSTINGS_TABLE,
	POSTGRES_FULL_TEXT_STATS_TABLE,
	POSTGRES_FULL_TEXT_TABLE,
	POSTGRES_FULL_TEXT_TABLES,
	POSTGRES_FULL_TEXT_TERMS_TABLE,
} from './postgres-full-text-schema.js';

export { POSTGRES_FULL_TEXT_ITEMS_TABLE, POSTGRES_FULL_TEXT_POSTINGS_TABLE, POSTGRES_FULL_TEXT_STATS_TABLE, POSTGRES_FULL_TEXT_TABLE, POSTGRES_FULL_TEXT_TABLES, POSTGRES_FULL_TEXT_TERMS_TABLE };

const { CHUNKS, ITEMS, POSTINGS, TERMS, STATS } = FT;

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

/** One BM25 term contribution of a posting `p` with IDF `w.idf`, given the average length bound as `?`. */
const TERM_SCORE = `w.idf * p.tf * ${BM25_K1 + 1} / (p.tf + ${BM25_K1} * (${1 - BM25_B} + ${BM25_B} * p.len / ?::float8))`;

interface QueryTerm {
	term: string;
	df: number;
	idf: number;
}

/** An item as it is written: its length in terms, term frequencies, and chunk terms its whole text lacks. */
interface ItemTerms {
	item: string;
	len: number;
	tf: Map<string, number>;
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
 * total length, so a query reads only the postings of its terms.
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
		this.ready ??= ensurePostgresFullTextSchema(this.deps.knex, (trx, indexId, items, chunks) => this.write(trx, indexId, items, chunks)).then(async (converted) => {
			if (converted) for (const table of POSTGRES_FULL_TEXT_TABLES) await this.deps.knex.raw(`ANALYZE ${table}`);
		}).catch((error: unknown) => {
			this.ready = null;
			throw error;
		});
		return this.ready;
	}

	/**
	 * Takes the index's statistics row for this transaction: writers of one index run one after
	 * another from here, so term frequencies are updated in one order and never deadlock. Returns
	 * the index's key in the postings and terms tables.
	 */
	private async lockStats(trx: Knex.Transaction, indexId: string): Promise<number> {
		const row = (await trx.raw(`INSERT INTO ${STATS} (index_id, docs, total) VALUES (?, 0, 0) ON CONFLICT (index_id) DO UPDATE SET docs = ${STATS}.docs RETURNING key`, [indexId])).rows[0] as { key: number };
		return Number(row.key);
	}

	/**
	 * Refreshes the planner statistics of the engine's tables when an index has doubled (at least
	 * ANALYZE_MIN_ITEMS items) since this process last did. Without them, e.g. during the first
	 * load of a large index while autovacuum is off or has not caught up yet, PostgreSQL takes
	 * `index_id = ?` for a selective condition and answers the per-item lookups of every write
	 * (`index_id = ? AND item = ANY(?)`) by scanning all rows of the index: writes slow down as
	 * the index grows. ANALYZE samples a bounded number of rows, and doubling keeps it to a few
	 * runs per load.
	 */
	private async keepStatisticsCurrent(indexId: string, docs: number): Promise<void> {
		if (docs < ANALYZE_MIN_ITEMS || docs < 2 * (this.analyzedAt.get(indexId) ?? 0)) return;
		this.analyzedAt.set(indexId, docs);
		for (const table of POSTGRES_FULL_TEXT_TABLES) await this.deps.knex.raw(`ANALYZE ${table}`);
	}

	/**
	 * Removes items' rows: postings (with their share of the document frequencies), then in one
	 * statement the terms no item holds any more, the item and chunk rows and their share of the
	 * statistics. Two statements per BATCH items (each statement is a round trip, and an indexing
	 * job's next page is embedded meanwhile on the same event loop, so round trips are what a write waits on).
	 */
	private async deleteItemRows(trx: Knex.Transaction, indexId: string, key: number, items: readonly string[]): Promise<void> {
		for (let i = 0; i < items.length; i += BATCH) {
			const part = items.slice(i, i + BATCH);
			await trx.raw(
				`WITH gone AS (DELETE FROM ${POSTINGS} p USING (SELECT item, unnest(terms) AS term FROM ${ITEMS} WHERE index_id = ? AND item = ANY(?)) o WHERE p.index_key = ? AND p.term = o.term AND p.item = o.item RETURNING p.term),
				counted AS (SELECT term, count(*) AS n FROM gone GROUP BY term ORDER BY term)
				UPDATE ${TERMS} t SET df = t.df - counted.n FROM counted WHERE t.index_key = ? AND t.term = counted.term`,
				[indexId, part, key, key],
			);
			// One snapshot: the item rows the last CTEs delete still give the first their terms.
			await trx.raw(
				`WITH dead AS (DELETE FROM ${TERMS} WHERE index_key = ? AND df <= 0 AND term IN (SELECT unnest(terms) FROM ${ITEMS} WHERE index_id = ? AND item = ANY(?))),
				chunks AS (DELETE FROM ${CHUNKS} WHERE index_id = ? AND item = ANY(?)),
				gone AS (DELETE FROM ${ITEMS} WHERE index_id = ? AND item = ANY(?) RETURNING len)
				UPDATE ${STATS} SET docs = docs - (SELECT count(*) FROM gone), total = total - (SELECT coalesce(sum(len), 0) FROM gone) WHERE index_id = ?`,
				[key, indexId, part, indexId, part, indexId, part, indexId],
			);
		}
	}

	async replaceItems(indexId: string, items: readonly string[], chunks: readonly FullTextChunk[], documents?: readonly FullTextDocument[]): Promise<void> {
		await this.ensure();
		const docs = await this.deps.knex.transaction((trx) => this.write(trx, indexId, items, chunks, documents));
		await this.keepStatisticsCurrent(indexId, docs);
	}

	/**
	 * Each chunk's terms, and each item's: from its whole text in `wholeTexts`, else its chunks'
	 * terms in order (the item's text is its chunks joined, so nothing is analysed twice). Items
	 * without chunks get no row.
	 */
	private async analyze(db: Knex.Transaction, chunks: readonly FullTextChunk[], documents: ReadonlyMap<string, string>): Promise<{ chunkTerms: string[][]; items: ItemTerms[] }> {
		const withChunks = new Set(chunks.map((c) => c.item));
		const wholeTexts = new Map<string, string>();
		for (const item of withChunks) if (documents.has(item)) wholeTexts.set(item, documents.get(item)!);
		const analysed = await this.lexer.terms([...chunks.map((c) => c.text), ...wholeTexts.values()], db);
		const chunkTerms = analysed.slice(0, chunks.length);
		const wholeTerms = new Map([...wholeTexts.keys()].map((item, i) => [item, analysed[chunks.length + i]!]));
		const joined = new Map<string, string[]>();
		chunks.forEach((c, i) => {
			if (wholeTerms.has(c.item)) return;
			const terms = joined.get(c.item);
			if (terms) terms.push(...chunkTerms[i]!);
			else joined.set(c.item, [...chunkTerms[i]!]);
		});
		const items = [...withChunks].map((item): ItemTerms => {
			const terms = wholeTerms.get(item) ?? joined.get(item)!;
			const tf = new Map<string, number>();
			for (const term of terms) tf.set(term, (tf.get(term) ?? 0) + 1);
			return { item, len: terms.length, tf, extra: [] };
		});
		if (wholeTerms.size > 0) {
			const byItem = new Map(items.map((i) => [i.item, i]));
			chunks.forEach((c, i) => {
				if (!wholeTerms.has(c.item)) return;
				const entry = byItem.get(c.item)!;
				for (const term of chunkTerms[i]!) if (!entry.tf.has(term) && !entry.extra.includes(term)) entry.extra.push(term);
			});
		}
		return { chunkTerms, items };
	}

	/**
	 * Replaces these items' rows inside `trx`; returns the index's item count afterwards. Items are
	 * written in groups, and a group's terms are worked out while PostgreSQL writes the previous
	 * group (with the suite's analyzer, JavaScript and the database then work at the same time).
	 */
	private async write(trx: Knex.Transaction, indexId: string, items: readonly string[], chunks: readonly FullTextChunk[], documents?: readonly FullTextDocument[]): Promise<number> {
		const all = [...new Set([...items, ...chunks.map((c) => c.item)])];
		const wholeTexts = new Map((documents ?? []).map((d) => [d.item, d.text]));
		const key = await this.lockStats(trx, indexId);
		await this.deleteItemRows(trx, indexId, key, all);
		let docs = 0;
		let writing: Promise<number> | null = null;
		for (const group of groupByItem(chunks, CHUNKS_PER_GROUP)) {
			const analysed = await this.analyze(trx, group, wholeTexts);
			if (writing) docs = await writing;
			writing = this.writeGroup(trx, indexId, key, group, analysed);
		}
		if (writing) docs = await writing;
		return docs;
	}

	/**
	 * One statement for a group of whole items: their item rows, postings (in term order, so index
	 * pages are visited in order), document frequencies, chunk rows and the index statistics, from
	 * ready terms.
	 */
	private async writeGroup(trx: Knex.Transaction, indexId: string, key: number, chunks: readonly FullTextChunk[], analysed: { chunkTerms: string[][]; items: ItemTerms[] }): Promise<number> {
		const items = analysed.items;
		const postings: { term: string; item: string; tf: number; len: number }[] = [];
		const df = new Map<string, number>();
		const extraItems: string[] = [];
		const extraTerms: string[] = [];
		let total = 0;
		for (const i of items) {
			total += i.len;
			for (const [term, tf] of i.tf) {
				postings.push({ term, item: i.item, tf, len: i.len });
				df.set(term, (df.get(term) ?? 0) + 1);
			}
			for (const term of i.extra) {
				extraItems.push(i.item);
				extraTerms.push(term);
			}
		}
		postings.sort((a, b) => (a.term < b.term ? -1 : a.term > b.term ? 1 : a.item < b.item ? -1 : a.item > b.item ? 1 : 0));
		const terms = [...df.keys()].sort();
		const result = await trx.raw(
			`WITH p AS MATERIALIZED (SELECT * FROM unnest(?::text[], ?::text[], ?::int[], ?::int[]) AS p(term, item, tf, len)),
			e AS (SELECT e.item, array_agg(e.term) AS extra FROM unnest(?::text[], ?::text[]) AS e(item, term) GROUP BY e.item),
			added_items AS (INSERT INTO ${ITEMS} (index_id, item, terms, extra, len) SELECT ?, i.item, coalesce(g.terms, '{}'), e.extra, i.len FROM unnest(?::text[], ?::int[]) AS i(item, len) LEFT JOIN (SELECT p.item, array_agg(p.term) AS terms FROM p GROUP BY p.item) g ON g.item = i.item LEFT JOIN e ON e.item = i.item),
			added_postings AS (INSERT INTO ${POSTINGS} (index_key, term, item, tf, len) SELECT ?, p.term, p.item, p.tf, p.len FROM p),
			added_terms AS (INSERT INTO ${TERMS} (index_key, term, df) SELECT ?, t.term, t.df FROM unnest(?::text[], ?::int[]) AS t(term, df) ON CONFLICT (index_key, term) DO UPDATE SET df = ${TERMS}.df + excluded.df),
			added_chunks AS (INSERT INTO ${CHUNKS} (index_id, item, chunk, field, position, content, terms) SELECT ?, * FROM unnest(?::text[], ?::int[], ?::text[], ?::int[], ?::text[], ?::text[]))
			UPDATE ${STATS} SET docs = docs + ?, total = total + ? WHERE index_id = ? RETURNING docs`,
			[
				postings.map((p) => p.term),
				postings.map((p) => p.item),
				postings.map((p) => p.tf),
				postings.map((p) => p.len),
				extraItems,
				extraTerms,
				indexId,
				items.map((i) => i.item),
				items.map((i) => i.len),
				key,
				key,
				terms,
				terms.map((t) => df.get(t)!),
				indexId,
				chunks.map((c) => c.item),
				chunks.map((c) => c.chunk),
				chunks.map((c) => c.field),
				chunks.map((c) => c.position),
				chunks.map((c) => c.content),
				analysed.chunkTerms.map((chunkTerms) => chunkTerms.join(' ')),
				items.length,
				total,
				indexId,
			],
		);
		return Number(result.rows[0]?.docs ?? 0);
	}

	async removeItems(indexId: string, items: readonly string[]): Promise<void> {
		if (items.length === 0) return;
		await this.ensure();
		await this.deps.knex.transaction(async (trx) => {
			const key = await this.lockStats(trx, indexId);
			await this.deleteItemRows(trx, indexId, key, items);
		});
	}

	async drop(indexId: string): Promise<void> {
		await this.ensure();
		await this.deps.knex.transaction(async (trx) => {
			const key = (await trx(STATS).where('index_id', indexId).first('key')) as { key: number } | undefined;
			if (key) for (const table of [POSTINGS, TERMS]) await trx(table).where('index_key', key.key).delete();
			for (const table of [CHUNKS, ITEMS, STATS]) await trx(table).where('index_id', indexId).delete();
		});
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
		// The query's terms that occur in the index, with their frequencies.
		const found = (
			await this.deps.knex.raw(`SELECT s.key, t.term, t.df, s.docs, s.total FROM ${STATS} s JOIN ${TERMS} t ON t.index_key = s.key WHERE s.index_id = ? AND t.df > 0 AND t.term = ANY(?::text[])`, [indexId, queryTerms])
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
