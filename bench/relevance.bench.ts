import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { afterAll, describe, it } from 'vitest';
import { EmbeddingService } from '../extensions/ml-suite/src/core/embeddings/embedding-service.js';
import { embeddingInput, prepareDocument } from '../extensions/ml-suite/src/core/indexing/build-document.js';
import { computeSettingsHash, parseIndexRow } from '../extensions/ml-suite/src/core/indexing/index-definition.js';
import { IndexingService } from '../extensions/ml-suite/src/core/indexing/indexing-service.js';
import { createIndexingTables } from '../extensions/ml-suite/src/core/indexing/indexing-tables.fixtures.js';
import { MemoryItemSource } from '../extensions/ml-suite/src/core/indexing/memory-item-source.fixtures.js';
import { LocalEmbeddingModel } from '../extensions/ml-suite/src/core/providers/local-embedding-model.js';
import type { CallerAccess } from '../extensions/ml-suite/src/core/search/caller-access.js';
import type { FullTextIndex } from '../extensions/ml-suite/src/core/search/full-text-index.js';
import { defaultFusion, type FusionOptions } from '../extensions/ml-suite/src/core/search/fusion.js';
import { BM25_WEIGHTS_SQL, PostgresFullTextIndex, POSTGRES_FULL_TEXT_POSTINGS_TABLE, POSTGRES_FULL_TEXT_TABLES } from '../extensions/ml-suite/src/core/search/postgres-full-text-index.js';
import { SearchService, type SearchMode } from '../extensions/ml-suite/src/core/search/search-service.js';
import { SqliteFullTextIndex } from '../extensions/ml-suite/src/core/search/sqlite-full-text-index.js';
import { analyzeQuery, analyzeText } from '../extensions/ml-suite/src/core/text/analyze-text.js';
import { EmbeddedVectorStore } from '../extensions/ml-suite/src/core/vector-stores/embedded-vector-store.js';
import { POSTGRES_URL, skipUnless } from '../test/support/services.js';
import { listBeirSets, loadBeir, ndcgAt, type BeirSet } from './support/beir.js';
import { openSqlite } from './support/database.js';
import { Report } from './support/report.js';

/**
 * Issue 9 quality targets on public BEIR sets, through the real pipeline on the embedded default
 * (local hashing embedder, embedded store) on each database the suite runs on (SQLite with FTS5;
 * PostgreSQL with its BM25 postings engine, when reachable; BENCH_RELEVANCE_DATABASES picks):
 * nDCG@10 of the default search mode (hybrid) against plain BM25 (a bare FTS5 `bm25()` index
 * over the same documents, same analyzer) at every limit from 5 to 100, semantic-only and
 * keyword-only beside them (and on PostgreSQL the engine's bare BM25 as one statement over its
 * postings; BENCH_PG_ANALYZER=postgres indexes with PostgreSQL's own parser and Snowball
 * `english` instead of the suite's analyzer); whether any mode's
 * results depend on the limit beyond truncation; indexing throughput against the raw embedder.
 *
 * Data: BENCH_BEIR_DIR (default bench/.data) holding `<set>/corpus.jsonl`, `queries.jsonl`,
 * `qrels/test.tsv`. See README "Benchmarks" for how the sets were obtained.
 */
const ROOT = process.env.BENCH_BEIR_DIR ?? join(import.meta.dirname, '.data');
const LIMITS = (process.env.BENCH_LIMITS ?? '5,10,20,50,100').split(',').map(Number);
const origin = { user: null, sourceType: 'cli' as const, source: 'cli:bench relevance' };
const sets = listBeirSets(ROOT);

class FullAccess implements CallerAccess {
	constructor(private readonly items: MemoryItemSource) {}
	async canRead(): Promise<boolean> {
		return true;
	}
	async primaryKey(): Promise<string> {
		return 'id';
	}
	async restrictions(): Promise<{ restricted: boolean }> {
		return { restricted: false };
	}
	async readItems(collection: string, keys: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
		return this.items.read(collection, keys, ['id', 'title', 'text']);
	}
}

const DATABASES = (process.env.BENCH_RELEVANCE_DATABASES ?? 'sqlite,postgres').split(',').filter(Boolean);
const noPostgres = DATABASES.includes('postgres') ? await skipUnless('postgres') : true;

if (sets.length === 0) console.warn(`\n[skip] relevance: no BEIR-format set in ${ROOT}; README "Benchmarks" says where the sets come from and how to prepare them (node bench/support/prepare-beir-data.mjs).\n`);

describe.skipIf(sets.length === 0)('relevance', () => {
	const report = new Report('relevance', { sets: sets.length });
	afterAll(() => {
		report.save();
	});

	for (const name of sets) {
		it(name, { timeout: 3_600_000 }, async () => {
			const set = loadBeir(join(ROOT, name), name);
			const bm25 = await plainBm25(set);
			try {
				if (DATABASES.includes('sqlite')) await runSet(set, await openSqliteDatabase(set), bm25.search, report);
				if (!noPostgres) await runSet(set, await openPostgresDatabase(set), bm25.search, report);
			} finally {
				await bm25.close();
			}
		});
	}
});

/** A database the suite can run on, with its keyword engine (what a Directus on it gets). */
interface Database {
	name: 'sqlite' | 'postgres';
	knex: Knex;
	fullText: FullTextIndex;
	/** The engine's own item ranking alone (no suite code around it), for the record. */
	/** On PostgreSQL: BM25 over every posting of the query's terms (its own analyzer), one statement, no suite code. */
	bareBm25?(indexId: string, query: string, limit: number): Promise<string[]>;
	remove(): Promise<void>;
}

async function openSqliteDatabase(set: BeirSet): Promise<Database> {
	const db = openSqlite(`relevance-${set.name}`);
	const fullText = new SqliteFullTextIndex({ knex: db.knex });
	return { name: 'sqlite', knex: db.knex, fullText, remove: () => db.remove() };
}

async function openPostgresDatabase(set: BeirSet): Promise<Database> {
	const schema = `ml_bench_rel_${set.name.replace(/[^a-z0-9]/gi, '')}_${process.pid}`;
	const admin = knexFactory({ client: 'pg', connection: POSTGRES_URL, pool: { min: 0, max: 1 } });
	await admin.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
	await admin.raw('CREATE SCHEMA ??', [schema]);
	await admin.destroy();
	const knex = knexFactory({ client: 'pg', connection: POSTGRES_URL, searchPath: [schema], pool: { min: 0, max: 4 } });
	// BENCH_PG_ANALYZER=postgres: PostgreSQL's own parser (Snowball `english`) instead of the suite's analyzer, for comparison.
	const fullText = new PostgresFullTextIndex({ knex, analyzer: process.env.BENCH_PG_ANALYZER === 'postgres' ? 'postgres' : 'auto' });
	return {
		name: 'postgres',
		knex,
		fullText,
		// The engine's ranking as one statement: BM25 over every posting of the query's terms (its own analyzer), as keyword.bench.ts's bare query.
		bareBm25: async (indexId, query, limit) => {
			const { rows } = await knex.raw(
				`WITH ${BM25_WEIGHTS_SQL}
				SELECT p.item, sum(w.idf * p.tf * 2.2 / (p.tf + 1.2 * (0.25 + 0.75 * p.len / s.avg))) AS score FROM ${POSTGRES_FULL_TEXT_POSTINGS_TABLE} p JOIN w ON w.term = p.term, s WHERE p.index_key = s.key GROUP BY p.item ORDER BY score DESC, p.item LIMIT ?`,
				[indexId, await fullText.queryTerms(query), limit],
			);
			return (rows as { item: string }[]).map((r) => String(r.item));
		},
		async remove() {
			await knex.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
			await knex.destroy();
		},
	};
}

/**
 * Plain BM25 as the reference: a bare FTS5 `bm25()` index over whole documents (title + text),
 * same analyzer, no suite code. The same reference for both databases.
 */
async function plainBm25(set: BeirSet): Promise<{ search(query: string, limit: number): Promise<string[]>; close(): Promise<void> }> {
	const db = openSqlite(`relevance-bm25-${set.name}`);
	const knex = db.knex;
	await knex.raw(`CREATE VIRTUAL TABLE bare_bm25 USING fts5(terms, tokenize='unicode61 remove_diacritics 0')`);
	for (let i = 0; i < set.corpus.length; i += 200) {
		const part = set.corpus.slice(i, i + 200);
		await knex.raw(`INSERT INTO bare_bm25 (rowid, terms) VALUES ${part.map(() => '(?, ?)').join(', ')}`, part.flatMap((d, j) => [i + j + 1, analyzeText(`${d.title} ${d.text}`).join(' ')]));
	}
	return {
		async search(query, limit) {
			const terms = analyzeQuery(query);
			if (terms.length === 0) return [];
			const rows: { rowid: number }[] = await knex.raw(`SELECT rowid FROM bare_bm25 WHERE bare_bm25 MATCH ? ORDER BY bm25(bare_bm25) LIMIT ?`, [terms.map((t) => `"${t}"`).join(' OR '), limit]);
			return rows.map((r) => set.corpus[r.rowid - 1]!.id);
		},
		close: () => db.remove(),
	};
}

async function runSet(set: BeirSet, database: Database, bm25: (query: string, limit: number) => Promise<string[]>, report: Report): Promise<void> {
	const knex = database.knex;
	const fullText = database.fullText;
	const label = `${set.name} (${database.name})`;
	try {
		await createIndexingTables(knex);
		const items = new MemoryItemSource();
		for (const doc of set.corpus) items.set('docs', doc.id, { title: doc.title, text: doc.text });
		const model = new LocalEmbeddingModel();
		const resolved = { model, definition: { inputPricePerMillion: 0, outputPricePerMillion: 0 } };
		const embeddings = new EmbeddingService({ cache: null });
		const store = new EmbeddedVectorStore({ knex });
		// A new index with the suite's defaults (chunks of 1,000 characters, 150 overlap), the title as context.
		const index = parseIndexRow({ id: randomUUID(), name: 'docs', collection: 'docs', title_field: 'title', content_fields: 'text', context_fields: 'title' }, { chunkSize: 1000, chunkOverlap: 150 });
		await knex('ml_indexes').insert({ id: index.id, name: index.name, collection: 'docs' });

		// Raw embedder on exactly the inputs the pipeline embeds.
		const settingsHash = computeSettingsHash(index, { key: model.modelId, dimensions: model.dimensions });
		const inputs = set.corpus.flatMap((doc) => {
			const prepared = prepareDocument(index, doc.id, { id: doc.id, title: doc.title, text: doc.text }, settingsHash);
			return prepared.chunks.map((c) => embeddingInput(prepared, c.content));
		});
		let t0 = performance.now();
		for (let i = 0; i < inputs.length; i += model.maxBatchSize) await model.embed(inputs.slice(i, i + model.maxBatchSize));
		const rawPerSecond = inputs.length / ((performance.now() - t0) / 1000);

		const indexing = new IndexingService({
			db: knex,
			items,
			fullText,
			storeFor: () => store,
			resolveModel: async () => ({ key: model.modelId, dimensions: model.dimensions }),
			embed: async (_i, texts) => (await embeddings.embed(texts, { model: resolved, origin })).embeddings,
		});
		t0 = performance.now();
		const progress = await indexing.reindex(index, { origin });
		const pipelinePerSecond = progress.result.chunks / ((performance.now() - t0) / 1000);
		report.add(`${label}: documents / chunks / queries`, set.corpus.length, 'docs', undefined, `${progress.result.chunks} chunks, ${set.queries.size} queries`);
		report.add(`${label}: raw local embedder`, rawPerSecond, 'chunks/s');
		report.add(`${label}: indexing pipeline with the keyword engine`, pipelinePerSecond, 'chunks/s');
		report.add(`${label}: indexing with the keyword engine / raw embedder`, pipelinePerSecond / rawPerSecond, 'x', { min: 0.5 });
		if (database.name === 'postgres') for (const table of POSTGRES_FULL_TEXT_TABLES) await knex.raw(`ANALYZE ${table}`);

		const search = new SearchService({
			fullText,
			storeFor: () => store,
			embedQuery: async (_i, text) => (await embeddings.embed([text], { model: resolved, origin })).embeddings[0]!,
			fusionDefaults: async () => defaultFusion(model.provider),
		});
		const access = new FullAccess(items);
		const run = async (query: string, mode: SearchMode, limit: number, fusion?: Partial<FusionOptions>): Promise<string[]> =>
			(await search.search({ query, indexes: [index], mode, limit, filter: null, fields: [], access, origin, fusion })).map((h) => h.item);
		const mean = async (f: (query: string, qid: string) => Promise<string[]>): Promise<number> => {
			let sum = 0;
			for (const [qid, query] of set.queries) sum += ndcgAt(await f(query, qid), set.qrels.get(qid)!, 10);
			return sum / set.queries.size;
		};

		// Every mode at limit 100 once; each smaller limit must give exactly these lists cut short.
		const at100: Record<SearchMode, Map<string, string[]>> = { hybrid: new Map(), keyword: new Map(), semantic: new Map() };
		for (const mode of ['hybrid', 'keyword', 'semantic'] as const) for (const [qid, query] of set.queries) at100[mode].set(qid, await run(query, mode, 100));
		const limitDependent: Record<SearchMode, number> = { hybrid: 0, keyword: 0, semantic: 0 };
		let worstRatio = Infinity;
		for (const limit of LIMITS) {
			const base = await mean((q) => bm25(q, limit));
			const byMode = {} as Record<SearchMode, number>;
			for (const mode of ['hybrid', 'keyword', 'semantic'] as const) {
				byMode[mode] = await mean(async (q, qid) => {
					const hits = await run(q, mode, limit);
					if (hits.join() !== at100[mode].get(qid)!.slice(0, limit).join()) limitDependent[mode]++;
					return hits;
				});
			}
			report.add(`${label} limit ${limit}: BM25 (bare FTS5) nDCG@10`, base, '');
			report.add(`${label} limit ${limit}: hybrid (default) nDCG@10`, byMode.hybrid, '');
			report.add(`${label} limit ${limit}: keyword (pipeline) nDCG@10`, byMode.keyword, '');
			report.add(`${label} limit ${limit}: semantic nDCG@10`, byMode.semantic, '');
			if (database.bareBm25) {
				const engineBm25 = await mean((q) => database.bareBm25!(index.id, q, limit));
				report.add(`${label} limit ${limit}: bare BM25 with the engine's analyzer nDCG@10`, engineBm25, '');
				report.add(`${label} limit ${limit}: hybrid / BM25 with the engine's analyzer`, byMode.hybrid / engineBm25, 'x');
			}
			report.add(`${label} limit ${limit}: hybrid / BM25`, byMode.hybrid / base, 'x', { min: 1 });
			worstRatio = Math.min(worstRatio, byMode.hybrid / base);
		}
		report.add(`${label}: hybrid / BM25, worst limit of ${LIMITS.join(', ')}`, worstRatio, 'x', { min: 1 });
		for (const mode of ['hybrid', 'keyword', 'semantic'] as const) report.add(`${label}: ${mode} results differing from the limit-100 list's prefix`, limitDependent[mode], 'queries', { max: 0 });

		// Fusion settings tried for the local embedder's defaults (limit 10), for the record.
		const variants: [string, Partial<FusionOptions>][] = (process.env.BENCH_FUSION_VARIANTS ?? '')
			.split(',')
			.filter(Boolean)
			.map((v) => {
				const [method, weight] = v.split(':');
				return [`${method} sem ${weight}`, { method: method as FusionOptions['method'], semanticWeight: Number(weight) }];
			});
		for (const [fusionLabel, fusion] of variants) report.add(`${label} fusion ${fusionLabel}: nDCG@10 (limit 10)`, await mean((q) => run(q, 'hybrid', 10, fusion)), '');
	} finally {
		await database.remove();
	}
}
