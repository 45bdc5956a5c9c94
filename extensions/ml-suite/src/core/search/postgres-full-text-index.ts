import type { Knex } from 'knex';
import { analyzeText } from '../text/analyze-text.js';
import { byRankThenItem, rankWithPassages, type FullTextChunk, type FullTextDocument, type FullTextIndex, type FullTextMatch, type FullTextPassage, type FullTextRanked, type FullTextTerms } from './full-text-index.js';

/** The chunk table of this engine (internal, not a Directus collection). */
export const POSTGRES_FULL_TEXT_TABLE = 'ml_fulltext';
/** The item table: one `tsvector` per item over its whole text, which is what is ranked. */
export const POSTGRES_FULL_TEXT_ITEMS_TABLE = 'ml_fulltext_items';

const BATCH = 500;

/**
 * PostgreSQL keyword index: a `tsvector` column with a GIN index, text search configuration
 * per deployment (`english` by default: Snowball stemming and stop words; any installed
 * configuration such as `german` or `simple`), ranked with `ts_rank_cd` (cover density,
 * normalised by 1 + log(length)). Items are ranked over their whole text (an item-level
 * `tsvector`, like the SQLite engine's item index), not by their best chunk, so an item cut into
 * chunks scores as the document it is; the chunk table gives each hit its passage (its chunk
 * that ranks best for the query) and serves `matchAll`. `ts_rank_cd` uses no corpus statistics:
 * an item's score depends only on its own text and the query, so it can never carry information
 * about other (possibly hidden) items, and callers with item or field rules are ranked by the
 * engine itself.
 */
export class PostgresFullTextIndex implements FullTextIndex {
	readonly engine = 'postgres';
	readonly corpusStatistics = false;
	private ready: Promise<void> | null = null;

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
				`CREATE TABLE IF NOT EXISTS ${POSTGRES_FULL_TEXT_TABLE} (index_id varchar(64) NOT NULL, item varchar(255) NOT NULL, chunk integer NOT NULL, field varchar(255) NOT NULL, position integer NOT NULL, content text NOT NULL, matched text NOT NULL, tsv tsvector NOT NULL, PRIMARY KEY (index_id, item, chunk))`,
			);
			await knex.raw(`CREATE INDEX IF NOT EXISTS ${POSTGRES_FULL_TEXT_TABLE}_tsv_idx ON ${POSTGRES_FULL_TEXT_TABLE} USING gin (tsv)`);
			await this.ensureItemTable();
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
		const existed = Boolean((await knex.raw(`SELECT to_regclass(?) AS t`, [POSTGRES_FULL_TEXT_ITEMS_TABLE])).rows[0]?.t);
		await knex.raw(`CREATE TABLE IF NOT EXISTS ${POSTGRES_FULL_TEXT_ITEMS_TABLE} (index_id varchar(64) NOT NULL, item varchar(255) NOT NULL, tsv tsvector NOT NULL, PRIMARY KEY (index_id, item))`);
		await knex.raw(`CREATE INDEX IF NOT EXISTS ${POSTGRES_FULL_TEXT_ITEMS_TABLE}_tsv_idx ON ${POSTGRES_FULL_TEXT_ITEMS_TABLE} USING gin (tsv)`);
		if (!existed) {
			await knex.raw(
				`INSERT INTO ${POSTGRES_FULL_TEXT_ITEMS_TABLE} (index_id, item, tsv) SELECT index_id, item, to_tsvector(?::regconfig, string_agg(matched, ' ' ORDER BY chunk)) FROM ${POSTGRES_FULL_TEXT_TABLE} GROUP BY index_id, item ON CONFLICT DO NOTHING`,
				[this.config],
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
		await this.deps.knex.transaction(async (trx) => {
			for (let i = 0; i < all.length; i += BATCH) {
				await trx(POSTGRES_FULL_TEXT_TABLE).where('index_id', indexId).whereIn('item', all.slice(i, i + BATCH)).delete();
				await trx(POSTGRES_FULL_TEXT_ITEMS_TABLE).where('index_id', indexId).whereIn('item', all.slice(i, i + BATCH)).delete();
			}
			for (let i = 0; i < itemRows.length; i += 200) {
				const part = itemRows.slice(i, i + 200);
				await trx.raw(
					`INSERT INTO ${POSTGRES_FULL_TEXT_ITEMS_TABLE} (index_id, item, tsv) VALUES ${part.map(() => `(?, ?, to_tsvector(?::regconfig, ?))`).join(', ')}`,
					part.flatMap(([item, text]) => [indexId, item, this.config, text]),
				);
			}
			for (let i = 0; i < chunks.length; i += 200) {
				const part = chunks.slice(i, i + 200);
				const values = part.map(() => `(?, ?, ?, ?, ?, ?, ?, to_tsvector(?::regconfig, ?))`).join(', ');
				await trx.raw(
					`INSERT INTO ${POSTGRES_FULL_TEXT_TABLE} (index_id, item, chunk, field, position, content, matched, tsv) VALUES ${values}`,
					part.flatMap((c) => [indexId, c.item, c.chunk, c.field, c.position, c.content, c.text, this.config, c.text]),
				);
			}
		});
	}

	async removeItems(indexId: string, items: readonly string[]): Promise<void> {
		if (items.length === 0) return;
		await this.ensure();
		await this.deps.knex.transaction(async (trx) => {
			for (let i = 0; i < items.length; i += BATCH) {
				await trx(POSTGRES_FULL_TEXT_TABLE).where('index_id', indexId).whereIn('item', items.slice(i, i + BATCH)).delete();
				await trx(POSTGRES_FULL_TEXT_ITEMS_TABLE).where('index_id', indexId).whereIn('item', items.slice(i, i + BATCH)).delete();
			}
		});
	}

	async drop(indexId: string): Promise<void> {
		await this.ensure();
		await this.deps.knex(POSTGRES_FULL_TEXT_TABLE).where('index_id', indexId).delete();
		await this.deps.knex(POSTGRES_FULL_TEXT_ITEMS_TABLE).where('index_id', indexId).delete();
	}

	search(indexId: string, query: string, page: { limit: number; offset?: number }): Promise<FullTextMatch[]> {
		return rankWithPassages(this, indexId, query, page);
	}

	async rank(indexId: string, query: string, page: { limit: number; offset?: number }): Promise<FullTextRanked[]> {
		const tsquery = toOrQuery(query);
		if (!tsquery || page.limit <= 0) return [];
		await this.ensure();
		// The bare engine query: items ranked over their whole text, then cut.
		const rows = (
			await this.deps.knex.raw(
				`SELECT item, ts_rank_cd(tsv, q, 1) AS score FROM ${POSTGRES_FULL_TEXT_ITEMS_TABLE}, to_tsquery(?::regconfig, ?) q WHERE index_id = ? AND tsv @@ q ORDER BY score DESC, item LIMIT ? OFFSET ?`,
				[this.config, tsquery, indexId, Math.floor(page.limit), Math.floor(page.offset ?? 0)],
			)
		).rows as { item: string; score: number }[];
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

/** `w1 | w2 | …` over the query's words (letters and digits only, so nothing needs escaping); the configuration stems and drops stop words. */
function toOrQuery(query: string): string | null {
	const words = [...new Set(query.normalize('NFKC').toLowerCase().split(/[^\p{L}\p{N}]+/u).filter((w) => w.length > 0 && w.length <= 64))].slice(0, 32);
	return words.length === 0 ? null : words.join(' | ');
}
