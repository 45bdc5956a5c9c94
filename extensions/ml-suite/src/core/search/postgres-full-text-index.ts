import type { Knex } from 'knex';
import { analyzeText } from '../text/analyze-text.js';
import { tokenize } from '../text/tokenize.js';
import { BM25_B, BM25_K1, bm25Idf, bm25TermBound } from './bm25.js';
import { byRankThenItem, rankWithPassages, type FullTextChunk, type FullTextDocument, type FullTextIndex, type FullTextMatch, type FullTextPassage, type FullTextRanked, type FullTextTerms } from './full-text-index.js';

/** The chunk table of this engine (internal, not a Directus collection). */
export const POSTGRES_FULL_TEXT_TABLE = 'ml_fulltext';
/** The item table: one `tsvector` per item over its whole text, with its length in lexemes. */
export const POSTGRES_FULL_TEXT_ITEMS_TABLE = 'ml_fulltext_items';
/** Postings: one row per (term, item) with the term's frequency in the item and the item's length. */
export const POSTGRES_FULL_TEXT_POSTINGS_TABLE = 'ml_fulltext_postings';
/** Document frequency of every term of an index. */
export const POSTGRES_FULL_TEXT_TERMS_TABLE = 'ml_fulltext_terms';
/** Items and total length per index (BM25's N and average length). */
export const POSTGRES_FULL_TEXT_STATS_TABLE = 'ml_fulltext_stats';
/** Every table of this engine. */
export const POSTGRES_FULL_TEXT_TABLES = [POSTGRES_FULL_TEXT_TABLE, POSTGRES_FULL_TEXT_ITEMS_TABLE, POSTGRES_FULL_TEXT_POSTINGS_TABLE, POSTGRES_FULL_TEXT_TERMS_TABLE, POSTGRES_FULL_TEXT_STATS_TABLE] as const;

const CHUNKS = POSTGRES_FULL_TEXT_TABLE;
const ITEMS = POSTGRES_FULL_TEXT_ITEMS_TABLE;
const POSTINGS = POSTGRES_FULL_TEXT_POSTINGS_TABLE;
const TERMS = POSTGRES_FULL_TEXT_TERMS_TABLE;
const STATS = POSTGRES_FULL_TEXT_STATS_TABLE;

const BATCH = 500;
/** Query text parsed for ranking, at most (a query is a few words; this bounds a pasted document). */
const MAX_QUERY_CHARS = 2000;
/** Items an index must hold before the engine refreshes planner statistics itself (see `keepStatisticsCurrent`). */
const ANALYZE_MIN_ITEMS = 1000;
/** Items of the rarest query term scored to find the score the top results must beat. */
const PROBE = 256;
/** Scores are rounded to this many decimals, so summation order never reorders equal scores. */
const SCALE = 1e9;

/** An item's length: its lexeme occurrences (stop words excluded), as BM25 counts document length. */
const LENGTH_OF = (tsv: string): string => `(SELECT coalesce(sum(coalesce(array_length(u.positions, 1), 1)), 0) FROM unnest(${tsv}) u)`;
/** One BM25 term contribution of a posting `p` with IDF `w.idf`, given the average length bound as `?`. */
const TERM_SCORE = `w.idf * p.tf * ${BM25_K1 + 1} / (p.tf + ${BM25_K1} * (${1 - BM25_B} + ${BM25_B} * p.len / ?::float8))`;

interface QueryTerm {
	term: string;
	df: number;
	idf: number;
}

/**
 * PostgreSQL keyword index: `tsvector`s with the deployment's text search configuration
 * (`english` by default: Snowball stemming and stop words; any installed configuration such as
 * `german` or `simple`), ranked with BM25 (k1 = 1.2, b = 0.75, Lucene's IDF, as the SQLite
 * engine and the rules path score) over whole items. The indexing pipeline keeps, in the same
 * transaction as the item's `tsvector`, its postings (term, item, term frequency, item length),
 * each term's document frequency and the index's item count and total length, so a query reads
 * only the postings of its terms and never re-parses a `tsvector`.
 *
 * Ranking is exact top-k with early termination (MaxScore): a term adds at most
 * `idf × (k1 + 1)` to a score, so once the k-th best score among the rarest term's best items is
 * known (a lower bound of the true k-th best), items holding only terms whose bounds sum to no
 * more than it cannot enter the top k and are never scored; the remaining candidates are scored
 * in full. Frequent terms (low IDF) thus cost index probes for the candidates, not a pass over
 * their postings. The chunk table gives each hit its passage and serves `matchAll`.
 *
 * Scores use corpus statistics, so callers whose rules may hide content are re-scored by the
 * search service over what they may read (`corpusStatistics`).
 */
export class PostgresFullTextIndex implements FullTextIndex {
	readonly engine = 'postgres';
	readonly corpusStatistics = true;
	private ready: Promise<void> | null = null;
	/** Item count of each index when this process last refreshed the planner statistics. */
	private readonly analyzedAt = new Map<string, number>();

	constructor(private readonly deps: { knex: Knex; textSearchConfig?: string }) {
		if (!/^[a-z_][a-z0-9_]*$/i.test(this.config)) throw new Error(`Invalid text search configuration "${this.config}".`);
	}

	private get config(): string {
		return this.deps.textSearchConfig ?? 'english';
	}

	private ensure(): Promise<void> {
		this.ready ??= (async () => {
			const knex = this.deps.knex;
			await knex.raw(
				`CREATE TABLE IF NOT EXISTS ${CHUNKS} (index_id varchar(64) NOT NULL, item varchar(255) NOT NULL, chunk integer NOT NULL, field varchar(255) NOT NULL, position integer NOT NULL, content text NOT NULL, matched text NOT NULL, tsv tsvector NOT NULL, PRIMARY KEY (index_id, item, chunk))`,
			);
			await knex.raw(`CREATE INDEX IF NOT EXISTS ${CHUNKS}_tsv_idx ON ${CHUNKS} USING gin (tsv)`);
			await this.ensureItemTable();
			await this.ensurePostings();
		})().catch((error: unknown) => {
			this.ready = null;
			throw error;
		});
		return this.ready;
	}

	/**
	 * The item table. Deployments indexed before it existed get it filled from their chunk rows
	 * (an item's chunk texts joined; overlaps count twice until the item is next indexed).
	 */
	private async ensureItemTable(): Promise<void> {
		const knex = this.deps.knex;
		const existed = Boolean((await knex.raw(`SELECT to_regclass(?) AS t`, [ITEMS])).rows[0]?.t);
		await knex.raw(`CREATE TABLE IF NOT EXISTS ${ITEMS} (index_id varchar(64) NOT NULL, item varchar(255) NOT NULL, tsv tsvector NOT NULL, len integer, PRIMARY KEY (index_id, item))`);
		await knex.raw(`ALTER TABLE ${ITEMS} ADD COLUMN IF NOT EXISTS len integer`);
		// Ranking reads postings; the GIN index of earlier versions only costs writes now.
		await knex.raw(`DROP INDEX IF EXISTS ${ITEMS}_tsv_idx`);
		if (!existed) {
			await knex.raw(
				`INSERT INTO ${ITEMS} (index_id, item, tsv) SELECT index_id, item, to_tsvector(?::regconfig, string_agg(matched, ' ' ORDER BY chunk)) FROM ${CHUNKS} GROUP BY index_id, item ON CONFLICT DO NOTHING`,
				[this.config],
			);
		}
	}

	/**
	 * Postings, term frequencies and index statistics. Deployments indexed before they existed
	 * get them built from the item table once (idempotent, so two processes starting at once
	 * arrive at the same rows).
	 */
	private async ensurePostings(): Promise<void> {
		const knex = this.deps.knex;
		const existed = Boolean((await knex.raw(`SELECT to_regclass(?) AS t`, [STATS])).rows[0]?.t);
		await knex.raw(`CREATE TABLE IF NOT EXISTS ${POSTINGS} (index_id varchar(64) NOT NULL, term text NOT NULL, item varchar(255) NOT NULL, tf integer NOT NULL, len integer NOT NULL, PRIMARY KEY (index_id, term, item))`);
		await knex.raw(`CREATE TABLE IF NOT EXISTS ${TERMS} (index_id varchar(64) NOT NULL, term text NOT NULL, df integer NOT NULL, PRIMARY KEY (index_id, term))`);
		if (existed) return;
		await knex.transaction(async (trx) => {
			await trx.raw(`UPDATE ${ITEMS} SET len = ${LENGTH_OF('tsv')} WHERE len IS NULL`);
			await trx.raw(
				`INSERT INTO ${POSTINGS} (index_id, term, item, tf, len) SELECT i.index_id, u.lexeme, i.item, coalesce(array_length(u.positions, 1), 1), i.len FROM ${ITEMS} i, unnest(i.tsv) u ON CONFLICT DO NOTHING`,
			);
			await trx.raw(
				`INSERT INTO ${TERMS} (index_id, term, df) SELECT index_id, term, count(*) FROM ${POSTINGS} GROUP BY index_id, term ON CONFLICT (index_id, term) DO UPDATE SET df = excluded.df`,
			);
			await trx.raw(`CREATE TABLE IF NOT EXISTS ${STATS} (index_id varchar(64) PRIMARY KEY, docs bigint NOT NULL, total bigint NOT NULL)`);
			await trx.raw(
				`INSERT INTO ${STATS} (index_id, docs, total) SELECT index_id, count(*), coalesce(sum(len), 0) FROM ${ITEMS} GROUP BY index_id ON CONFLICT (index_id) DO UPDATE SET docs = excluded.docs, total = excluded.total`,
			);
		});
	}

	/**
	 * Takes the index's statistics row for this transaction: writers of one index run one after
	 * another from here, so term frequencies are updated in one order and never deadlock.
	 */
	private async lockStats(trx: Knex.Transaction, indexId: string): Promise<void> {
		await trx.raw(`INSERT INTO ${STATS} (index_id, docs, total) VALUES (?, 0, 0) ON CONFLICT (index_id) DO UPDATE SET docs = ${STATS}.docs`, [indexId]);
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

	/** Removes items' item rows, postings and their share of the statistics (chunk rows are the caller's). */
	private async deleteItemRows(trx: Knex.Transaction, indexId: string, items: readonly string[]): Promise<void> {
		for (let i = 0; i < items.length; i += BATCH) {
			const part = items.slice(i, i + BATCH);
			await trx.raw(
				`WITH gone AS (DELETE FROM ${POSTINGS} p USING (SELECT item, unnest(tsvector_to_array(tsv)) AS term FROM ${ITEMS} WHERE index_id = ? AND item = ANY(?)) o WHERE p.index_id = ? AND p.term = o.term AND p.item = o.item RETURNING p.term),
				counted AS (SELECT term, count(*) AS n FROM gone GROUP BY term ORDER BY term)
				UPDATE ${TERMS} t SET df = t.df - counted.n FROM counted WHERE t.index_id = ? AND t.term = counted.term`,
				[indexId, part, indexId, indexId],
			);
			await trx.raw(`DELETE FROM ${TERMS} WHERE index_id = ? AND df <= 0 AND term IN (SELECT unnest(tsvector_to_array(tsv)) FROM ${ITEMS} WHERE index_id = ? AND item = ANY(?))`, [indexId, indexId, part]);
			await trx.raw(
				`WITH gone AS (DELETE FROM ${ITEMS} WHERE index_id = ? AND item = ANY(?) RETURNING len) UPDATE ${STATS} SET docs = docs - (SELECT count(*) FROM gone), total = total - (SELECT coalesce(sum(len), 0) FROM gone) WHERE index_id = ?`,
				[indexId, part, indexId],
			);
		}
	}

	async replaceItems(indexId: string, items: readonly string[], chunks: readonly FullTextChunk[], documents?: readonly FullTextDocument[]): Promise<void> {
		await this.ensure();
		const all = [...new Set([...items, ...chunks.map((c) => c.item)])];
		// Whole-item text: from `documents`, else the item's chunks joined (items with no chunks have none).
		const texts = new Map<string, string>();
		for (const c of chunks) texts.set(c.item, texts.has(c.item) ? `${texts.get(c.item)} ${c.text}` : c.text);
		for (const d of documents ?? []) if (texts.has(d.item)) texts.set(d.item, d.text);
		const itemRows = [...texts.entries()];
		let docs = 0;
		await this.deps.knex.transaction(async (trx) => {
			await this.lockStats(trx, indexId);
			await this.deleteItemRows(trx, indexId, all);
			for (let i = 0; i < all.length; i += BATCH) await trx(CHUNKS).where('index_id', indexId).whereIn('item', all.slice(i, i + BATCH)).delete();
			for (let i = 0; i < itemRows.length; i += 200) {
				const part = itemRows.slice(i, i + 200);
				// One statement per part: each text is parsed once (a subquery would be inlined and
				// parse it again for the length) and its lexemes feed the item row, the postings (in
				// term order, so index pages are visited in order), the document frequencies and the
				// statistics without reading the item rows back.
				const result = await trx.raw(
					`WITH v AS MATERIALIZED (SELECT x.item, to_tsvector(?::regconfig, x.text) AS tsv FROM (VALUES ${part.map(() => '(?, ?)').join(', ')}) x(item, text)),
					u AS MATERIALIZED (SELECT v.item, t.lexeme, coalesce(array_length(t.positions, 1), 1) AS tf FROM v, unnest(v.tsv) t),
					l AS MATERIALIZED (SELECT v.item, v.tsv, coalesce(g.len, 0) AS len FROM v LEFT JOIN (SELECT u.item, sum(u.tf) AS len FROM u GROUP BY u.item) g ON g.item = v.item),
					added_items AS (INSERT INTO ${ITEMS} (index_id, item, tsv, len) SELECT ?, l.item, l.tsv, l.len FROM l),
					added_postings AS (INSERT INTO ${POSTINGS} (index_id, term, item, tf, len) SELECT ?, u.lexeme, u.item, u.tf, l.len FROM u JOIN l ON l.item = u.item ORDER BY u.lexeme, u.item),
					added_terms AS (INSERT INTO ${TERMS} (index_id, term, df) SELECT ?, u.lexeme, count(*) FROM u GROUP BY u.lexeme ORDER BY u.lexeme ON CONFLICT (index_id, term) DO UPDATE SET df = ${TERMS}.df + excluded.df)
					UPDATE ${STATS} SET docs = docs + s.n, total = total + s.l FROM (SELECT count(*) AS n, coalesce(sum(len), 0) AS l FROM l) s WHERE index_id = ? RETURNING docs`,
					[this.config, ...part.flatMap(([item, text]) => [item, text]), indexId, indexId, indexId, indexId],
				);
				docs = Number(result.rows[0]?.docs ?? docs);
			}
			for (let i = 0; i < chunks.length; i += 200) {
				const part = chunks.slice(i, i + 200);
				const values = part.map(() => `(?, ?, ?, ?, ?, ?, ?, to_tsvector(?::regconfig, ?))`).join(', ');
				await trx.raw(
					`INSERT INTO ${CHUNKS} (index_id, item, chunk, field, position, content, matched, tsv) VALUES ${values}`,
					part.flatMap((c) => [indexId, c.item, c.chunk, c.field, c.position, c.content, c.text, this.config, c.text]),
				);
			}
		});
		await this.keepStatisticsCurrent(indexId, docs);
	}

	async removeItems(indexId: string, items: readonly string[]): Promise<void> {
		if (items.length === 0) return;
		await this.ensure();
		await this.deps.knex.transaction(async (trx) => {
			await this.lockStats(trx, indexId);
			await this.deleteItemRows(trx, indexId, items);
			for (let i = 0; i < items.length; i += BATCH) await trx(CHUNKS).where('index_id', indexId).whereIn('item', items.slice(i, i + BATCH)).delete();
		});
	}

	async drop(indexId: string): Promise<void> {
		await this.ensure();
		await this.deps.knex.transaction(async (trx) => {
			for (const table of POSTGRES_FULL_TEXT_TABLES) await trx(table).where('index_id', indexId).delete();
		});
	}

	search(indexId: string, query: string, page: { limit: number; offset?: number }): Promise<FullTextMatch[]> {
		return rankWithPassages(this, indexId, query, page);
	}

	async rank(indexId: string, query: string, page: { limit: number; offset?: number }): Promise<FullTextRanked[]> {
		const words = toWords(query);
		if (words.length === 0 || page.limit <= 0) return [];
		await this.ensure();
		const limit = Math.floor(page.limit);
		const offset = Math.floor(page.offset ?? 0);
		const want = limit + offset;
		// The query's lexemes that occur in the index, with their frequencies. The query text is
		// parsed by the items' parser (not split into words first, which turned `covid-19`'s `-19`
		// or `0.5` into other lexemes), except that a hyphenated word is looked up by its parts
		// only: items hold both the whole word and its parts, so the parts match an item whether
		// it hyphenates the word or not (on Cranfield, matching the whole word too cost 0.008 nDCG@10).
		const found = (
			await this.deps.knex.raw(
				`SELECT t.term, t.df, s.docs, s.total FROM ${STATS} s JOIN ${TERMS} t ON t.index_id = s.index_id WHERE s.index_id = ? AND t.df > 0 AND t.term IN (SELECT unnest(d.lexemes) FROM ts_debug(?::regconfig, ?) d WHERE d.alias NOT IN ('asciihword', 'hword', 'numhword'))`,
				[indexId, this.config, query.normalize('NFKC').slice(0, MAX_QUERY_CHARS)],
			)
		).rows as { term: string; df: number | string; docs: number | string; total: number | string }[];
		if (found.length === 0) return [];
		const docs = Number(found[0]!.docs);
		const avgLength = Number(found[0]!.total) / docs || 1;
		// Rarest first (highest IDF, so highest bound); ties by term, so the order is fixed.
		const terms: QueryTerm[] = found
			.map((r) => ({ term: String(r.term), df: Number(r.df), idf: bm25Idf(docs, Number(r.df)) }))
			.sort((a, b) => b.idf - a.idf || (a.term < b.term ? -1 : a.term > b.term ? 1 : 0));
		let essential = terms;
		if (terms.length > 1) {
			// A lower bound of the want-th best score: the want-th best full score among the rarest term's best items.
			const rarest = terms[0]!;
			const probe = await this.score(indexId, terms, avgLength, { from: [rarest.term], probe: true, limit: want, offset: 0 });
			if (probe.length >= want) {
				const threshold = probe[want - 1]!.score - 1 / SCALE;
				// Terms whose bounds, summed from the least, stay at or under the threshold cannot carry an item into the top results alone.
				let cut = terms.length;
				let bound = 0;
				while (cut > 1 && bound + bm25TermBound(terms[cut - 1]!.idf) <= threshold) bound += bm25TermBound(terms[--cut]!.idf);
				essential = terms.slice(0, cut);
				// The probe scored every item of the only term that can place an item: it is the answer.
				if (cut === 1 && rarest.df <= PROBE) return probe.slice(offset, want);
			}
		}
		return this.score(indexId, terms, avgLength, { from: essential.length < terms.length ? essential.map((t) => t.term) : null, probe: false, limit, offset });
	}

	/**
	 * Items best first by BM25 over all query `terms`. Candidates are the items holding a term of
	 * `from` (null: any query term); with `probe`, only the `PROBE` items the rarest of them
	 * contributes most to.
	 */
	private async score(
		indexId: string,
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
					`SELECT p.item, round(sum(${TERM_SCORE}) * ${SCALE}) / ${SCALE} AS score FROM ${POSTINGS} p JOIN unnest(?::text[], ?::float8[]) AS w(term, idf) ON w.term = p.term WHERE p.index_id = ? AND p.term = ANY(?::text[]) GROUP BY p.item ORDER BY score DESC, p.item LIMIT ? OFFSET ?`,
					[avgLength, names, idfs, indexId, names, options.limit, options.offset],
				)
			).rows;
		} else {
			// Candidates first, then each candidate's postings of every query term by key (an index probe per candidate).
			const candidates = options.probe
				? `SELECT item FROM ${POSTINGS} WHERE index_id = ? AND term = ANY(?::text[]) ORDER BY tf::float8 / (tf + ${BM25_K1} * (${1 - BM25_B} + ${BM25_B} * len / ?::float8)) DESC, item LIMIT ${PROBE}`
				: `SELECT DISTINCT item FROM ${POSTINGS} WHERE index_id = ? AND term = ANY(?::text[])`;
			rows = (
				await this.deps.knex.raw(
					`SELECT c.item, s.score FROM (${candidates}) c CROSS JOIN LATERAL (SELECT round(sum(${TERM_SCORE}) * ${SCALE}) / ${SCALE} AS score FROM ${POSTINGS} p JOIN unnest(?::text[], ?::float8[]) AS w(term, idf) ON w.term = p.term WHERE p.index_id = ? AND p.item = c.item AND p.term = ANY(?::text[])) s ORDER BY s.score DESC, c.item LIMIT ? OFFSET ?`,
					[indexId, options.from, ...(options.probe ? [avgLength] : []), avgLength, names, idfs, indexId, names, options.limit, options.offset],
				)
			).rows;
		}
		return rows.map((r) => ({ item: String(r.item), score: Number(r.score) })).sort(byRankThenItem);
	}

	/** Each item's passage: its chunk that matches and ranks best for the query (then the first). */
	async passages(indexId: string, query: string, items: readonly string[]): Promise<Map<string, FullTextPassage>> {
		const passages = new Map<string, FullTextPassage>();
		const tsquery = toOrQuery(query);
		if (items.length === 0) return passages;
		await this.ensure();
		for (let i = 0; i < items.length; i += BATCH) {
			const part = items.slice(i, i + BATCH);
			const rows = (
				await this.deps.knex.raw(
					`SELECT DISTINCT ON (item) item, chunk, field, position, content FROM ${POSTGRES_FULL_TEXT_TABLE}, to_tsquery(?::regconfig, ?) q WHERE index_id = ? AND item = ANY(?) ORDER BY item, (tsv @@ q) DESC, ts_rank_cd(tsv, q, 1) DESC, chunk`,
					[this.config, tsquery ?? '', indexId, part],
				)
			).rows as { item: string; chunk: number; field: string; position: number; content: string }[];
			for (const r of rows) passages.set(String(r.item), { chunk: Number(r.chunk), field: String(r.field), position: Number(r.position), content: String(r.content) });
		}
		return passages;
	}

	async matchAll(indexId: string, query: string): Promise<{ queryTerms: string[]; chunks: FullTextTerms[] }> {
		const tsquery = toOrQuery(query);
		const queryTerms = [...new Set(analyzeText(query))];
		if (!tsquery) return { queryTerms, chunks: [] };
		await this.ensure();
		const result = await this.deps.knex.raw(
			`SELECT item, chunk, field, position, content, matched FROM ${POSTGRES_FULL_TEXT_TABLE}, to_tsquery(?::regconfig, ?) q WHERE index_id = ? AND tsv @@ q`,
			[this.config, tsquery, indexId],
		);
		return {
			queryTerms,
			chunks: (result.rows as { item: string; chunk: number; field: string; position: number; content: string; matched: string }[]).map((r) => ({
				item: String(r.item),
				chunk: Number(r.chunk),
				field: String(r.field),
				position: Number(r.position),
				terms: analyzeText(r.matched),
				content: String(r.content),
			})),
		};
	}

	async count(indexId: string): Promise<number> {
		await this.ensure();
		const row = await this.deps.knex(POSTGRES_FULL_TEXT_TABLE).where('index_id', indexId).count({ n: '*' }).first();
		return Number(row?.n ?? 0);
	}
}

/** The query's words (letters and digits only, so nothing needs escaping), at most 32. */
function toWords(query: string): string[] {
	return [...new Set(tokenize(query, { spaceless: 'runs', maxLength: 64 }))].slice(0, 32);
}

/** `w1 | w2 | …` over the query's words; the configuration stems and drops stop words. */
function toOrQuery(query: string): string | null {
	const words = toWords(query);
	return words.length === 0 ? null : words.join(' | ');
}
