import knexFactory, { type Knex } from 'knex';
import { afterAll, describe, expect, it } from 'vitest';
import { BM25_WEIGHTS_SQL, PostgresFullTextIndex, POSTGRES_FULL_TEXT_POSTINGS_TABLE, POSTGRES_FULL_TEXT_TABLES } from '../extensions/ml-suite/src/core/search/postgres-full-text-index.js';
import { SqliteFullTextIndex, sqliteFullTextTables } from '../extensions/ml-suite/src/core/search/sqlite-full-text-index.js';
import { analyzeQuery } from '../extensions/ml-suite/src/core/text/analyze-text.js';
import { randomUUID } from 'node:crypto';
import { EmbeddingService } from '../extensions/ml-suite/src/core/embeddings/embedding-service.js';
import { testIndex } from '../extensions/ml-suite/src/core/indexing/index-definition.fixtures.js';
import { IndexingService } from '../extensions/ml-suite/src/core/indexing/indexing-service.js';
import { createIndexingTables } from '../extensions/ml-suite/src/core/indexing/indexing-tables.fixtures.js';
import { MemoryItemSource } from '../extensions/ml-suite/src/core/indexing/memory-item-source.fixtures.js';
import { LocalEmbeddingModel } from '../extensions/ml-suite/src/core/providers/local-embedding-model.js';
import type { CallOrigin } from '../extensions/ml-suite/src/core/usage/types.js';
import { generateItems, Vocabulary } from './support/corpus.js';
import { CountingModel, rawEmbeddingMs } from './support/counting-model.js';
import { EmbeddedVectorStore } from '../extensions/ml-suite/src/core/vector-stores/embedded-vector-store.js';
import { POSTGRES_URL, skipUnless } from '../test/support/services.js';
import { intEnv } from './support/env.js';
import { Report } from './support/report.js';
import type { SearchService } from '../extensions/ml-suite/src/core/search/search-service.js';
import { buildSearchFixture, type SearchFixture } from './support/search-fixture.js';
import { percentile } from './support/stats.js';

/**
 * Issue 9 targets at 100,000 chunks: keyword search (SearchService, mode `keyword`, limit 10)
 * p95 against the bare engine query (FTS5 `MATCH … ORDER BY bm25 LIMIT 10` on SQLite,
 * on PostgreSQL the one-statement BM25 over the query terms' postings — every posting of every
 * query term summed per item, `ORDER BY score LIMIT 10` — both over the item-level index the
 * engines rank) for the same queries, including queries
 * that match nothing; hybrid p95 against semantic-only p95; what the rules path (a caller whose
 * permissions may hide items or fields: BM25 recomputed over the readable matches) costs.
 */
const CHUNKS = intEnv('BENCH_CHUNKS', 100_000);
const SEARCHES = intEnv('BENCH_SEARCHES', 200);
/** Interleaved rounds of bare and keyword timings over the same queries (both databases). */
const ROUNDS = intEnv('BENCH_KEYWORD_ROUNDS', 3);
const WARMUP = 10;

const noPostgres = await skipUnless('postgres');

/**
 * Warm-up, then interleaved rounds: every query runs the bare engine query and keyword search back
 * to back, in an order that alternates by query and round, so a burst of load hits both sides
 * alike; p95 is taken over every round's samples (ROUNDS × SEARCHES per side). Semantic and hybrid
 * run once per query, in the first round. Queries starting `zzqx` must find nothing.
 */
async function timeInterleaved(f: SearchFixture, service: SearchService, queries: { text: string }[], bare: (text: string) => PromiseLike<unknown> | unknown[]): Promise<{ series: Record<string, number[]>; roundRatios: number[] }> {
	const series: Record<string, number[]> = { bare: [], bareMatch: [], bareNone: [], keyword: [], keywordMatch: [], keywordNone: [], semantic: [], hybrid: [], rules: [] };
	const roundRatios: number[] = [];
	for (const q of queries.slice(0, WARMUP)) {
		await bare(q.text);
		for (const mode of ['keyword', 'semantic', 'hybrid'] as const) await service.search(f.request(q.text, { mode }));
	}
	for (let round = 0; round < ROUNDS; round++) {
		const bareRound: number[] = [];
		const keywordRound: number[] = [];
		for (const [i, q] of queries.slice(WARMUP).entries()) {
			const none = q.text.startsWith('zzqx');
			let bareMs = 0;
			let keywordMs = 0;
			let kw: unknown[] = [];
			const timeBare = async () => {
				const t0 = performance.now();
				await bare(q.text);
				bareMs = performance.now() - t0;
			};
			const timeKeyword = async () => {
				const t0 = performance.now();
				kw = await service.search(f.request(q.text, { mode: 'keyword' }));
				keywordMs = performance.now() - t0;
			};
			if ((i + round) % 2 === 0) {
				await timeBare();
				await timeKeyword();
			} else {
				await timeKeyword();
				await timeBare();
			}
			if (none) expect(kw).toEqual([]);
			bareRound.push(bareMs);
			keywordRound.push(keywordMs);
			series.bare!.push(bareMs);
			series.keyword!.push(keywordMs);
			(none ? series.bareNone! : series.bareMatch!).push(bareMs);
			(none ? series.keywordNone! : series.keywordMatch!).push(keywordMs);
			if (round > 0) continue;
			const t2 = performance.now();
			await service.search(f.request(q.text, { mode: 'semantic' }));
			const t3 = performance.now();
			await service.search(f.request(q.text, { mode: 'hybrid' }));
			series.semantic!.push(t3 - t2);
			series.hybrid!.push(performance.now() - t3);
		}
		roundRatios.push(percentile(keywordRound, 95) / percentile(bareRound, 95));
	}
	return { series, roundRatios };
}

describe('keyword', () => {
	const report = new Report('keyword', { chunks: CHUNKS, searches: SEARCHES, rounds: ROUNDS });
	let fixture: SearchFixture | undefined;
	let pg: Knex | undefined;
	const schema = `ml_bench_fts_${process.pid}`;

	afterAll(async () => {
		report.save();
		await fixture?.close();
		if (pg) {
			await pg.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
			await pg.destroy();
		}
	});

	/** Short keyword queries from the corpus vocabulary, every fifth one a word no chunk holds. */
	function keywordQueries(f: SearchFixture, count: number): { text: string; vector: number[] }[] {
		return f.queries(count, 900).map((q, i) => ({ text: i % 5 === 4 ? `zzqx${i} unmatchedterm${i}` : q.text.split(' ').slice(1, 4).join(' '), vector: q.vector }));
	}

	it('SQLite FTS5 and the embedded store', async () => {
		fixture = await buildSearchFixture('keyword', CHUNKS);
		const store = new EmbeddedVectorStore({ knex: fixture.knex });
		const vectorMs = await fixture.load(store);
		const fullText = new SqliteFullTextIndex({ knex: fixture.knex });
		const ftsMs = await fixture.loadFullText(fullText);
		report.add('sqlite: vector upsert throughput', CHUNKS / (vectorMs / 1000), 'chunks/s');
		report.add('sqlite: FTS5 write throughput', CHUNKS / (ftsMs / 1000), 'chunks/s');

		const queries = keywordQueries(fixture, SEARCHES + WARMUP);
		const service = fixture.searchService(store, new Map(queries.map((q) => [q.text, q.vector])), fullText);
		// The engine's own query: items ranked by bm25() over their whole text (the item FTS5 index).
		const { itemFts: fts } = sqliteFullTextTables(fixture.index.id);
		const bare = (text: string) => {
			const terms = analyzeQuery(text);
			if (terms.length === 0) return [];
			return fixture!.knex.raw(`SELECT rowid, bm25("${fts}") AS s FROM "${fts}" WHERE "${fts}" MATCH ? ORDER BY s LIMIT 10`, [terms.map((t) => `"${t}"`).join(' OR ')]);
		};
		const { series, roundRatios } = await timeInterleaved(fixture, service, queries, bare);
		// The rules path on a sample (it reads every matching chunk).
		fixture.access.restricted = true;
		for (const q of queries.slice(WARMUP, WARMUP + Math.min(40, SEARCHES))) {
			const t0 = performance.now();
			await service.search(fixture.request(q.text, { mode: 'hybrid' }));
			series.rules!.push(performance.now() - t0);
		}
		fixture.access.restricted = false;
		const p95 = (name: string): number => percentile(series[name]!, 95);
		report.add('sqlite: bare FTS5 query p95 (limit 10)', p95('bare'), 'ms');
		report.add('sqlite: keyword search p95 (limit 10)', p95('keyword'), 'ms');
		report.add('sqlite: keyword p95 / bare p95', p95('keyword') / p95('bare'), 'x', { max: 2 });
		report.add('sqlite: keyword p95 / bare p95, matching queries', p95('keywordMatch') / p95('bareMatch'), 'x', { max: 2 });
		report.add('sqlite: keyword p95 / bare p95, no-match queries', p95('keywordNone') / p95('bareNone'), 'x', { max: 2 });
		report.add('sqlite: bare FTS5 query p95, no-match queries', p95('bareNone'), 'ms');
		report.add('sqlite: keyword search p95, no-match queries', p95('keywordNone'), 'ms');
		report.add('sqlite: keyword p50 / bare p50', percentile(series.keyword!, 50) / percentile(series.bare!, 50), 'x');
		report.add('sqlite: keyword p95 / bare p95, lowest and highest of the rounds', Math.min(...roundRatios), 'x', undefined, `highest ${Math.max(...roundRatios).toFixed(2)}× over ${ROUNDS} rounds`);
		report.add('sqlite: semantic search p95 (limit 10)', p95('semantic'), 'ms');
		report.add('sqlite: hybrid search p95 (limit 10)', p95('hybrid'), 'ms');
		report.add('sqlite: hybrid p95 / semantic p95', p95('hybrid') / p95('semantic'), 'x', { max: 2 });
		report.add('sqlite: hybrid p95 for a caller with item/field rules (BM25 over readable matches)', p95('rules'), 'ms');
		report.add('sqlite: rules-path hybrid p95 / hybrid p95', p95('rules') / p95('hybrid'), 'x');
	});

	it.skipIf(noPostgres)('PostgreSQL BM25 postings', async () => {
		if (!fixture) {
			// Run alone (`-t PostgreSQL`): the fixture and its vectors are built here.
			fixture = await buildSearchFixture('keyword', CHUNKS);
			await fixture.load(new EmbeddedVectorStore({ knex: fixture.knex }));
		}
		const admin = knexFactory({ client: 'pg', connection: POSTGRES_URL, pool: { min: 0, max: 1 } });
		await admin.raw('CREATE SCHEMA IF NOT EXISTS ??', [schema]);
		await admin.destroy();
		pg = knexFactory({ client: 'pg', connection: POSTGRES_URL, searchPath: [schema], pool: { min: 0, max: 4 } });
		const fullText = new PostgresFullTextIndex({ knex: pg });
		const ms = await fixture.loadFullText(fullText);
		// The engine alone (no embedding, no vectors): what the pipeline's keyword writes cost at most.
		report.add('postgres: full-text writes alone (terms + postings) throughput', CHUNKS / (ms / 1000), 'chunks/s');
		for (const table of POSTGRES_FULL_TEXT_TABLES) await pg.raw(`ANALYZE ${table}`);
		const store = new EmbeddedVectorStore({ knex: fixture.knex });
		const queries = keywordQueries(fixture, SEARCHES + WARMUP);
		const service = fixture.searchService(store, new Map(queries.map((q) => [q.text, q.vector])), fullText);
		const indexId = fixture.index.id;
		// The bare engine query: BM25 over every posting of the query's terms, summed per item, in one statement.
		const bare = (text: string) =>
			pg!.raw(
				`WITH ${BM25_WEIGHTS_SQL}
				SELECT p.item, sum(w.idf * p.tf * 2.2 / (p.tf + 1.2 * (0.25 + 0.75 * p.len / s.avg))) AS score FROM ${POSTGRES_FULL_TEXT_POSTINGS_TABLE} p JOIN w ON w.term = p.term, s WHERE p.index_key = s.key GROUP BY p.item ORDER BY score DESC, p.item LIMIT 10`,
				[indexId, analyzeQuery(text)],
			);
		const { series, roundRatios } = await timeInterleaved(fixture, service, queries, bare);
		const p95 = (name: string): number => percentile(series[name]!, 95);
		report.add('postgres: bare BM25 postings query p95 (limit 10)', p95('bare'), 'ms');
		report.add('postgres: keyword search p95 (limit 10)', p95('keyword'), 'ms');
		report.add('postgres: keyword p95 / bare p95', p95('keyword') / p95('bare'), 'x', { max: 2 });
		report.add('postgres: keyword p95 / bare p95, matching queries', p95('keywordMatch') / p95('bareMatch'), 'x', { max: 2 });
		report.add('postgres: keyword p95 / bare p95, no-match queries', p95('keywordNone') / p95('bareNone'), 'x', { max: 2 });
		report.add('postgres: bare BM25 postings query p95, no-match queries', p95('bareNone'), 'ms');
		report.add('postgres: keyword search p95, no-match queries', p95('keywordNone'), 'ms');
		report.add('postgres: keyword p50 / bare p50', percentile(series.keyword!, 50) / percentile(series.bare!, 50), 'x');
		report.add('postgres: keyword p95 / bare p95, lowest and highest of the rounds', Math.min(...roundRatios), 'x', undefined, `highest ${Math.max(...roundRatios).toFixed(2)}× over ${ROUNDS} rounds`);
		report.add('postgres: semantic search p95 (limit 10, embedded store)', p95('semantic'), 'ms');
		report.add('postgres: hybrid search p95 (limit 10, PostgreSQL keyword engine)', p95('hybrid'), 'ms');
		report.add('postgres: hybrid p95 / semantic p95', p95('hybrid') / p95('semantic'), 'x', { max: 2 });
	});

	it.skipIf(noPostgres)('PostgreSQL indexing pipeline against the raw embedder', async () => {
		const ixSchema = `ml_bench_ix_${process.pid}`;
		const admin = knexFactory({ client: 'pg', connection: POSTGRES_URL, pool: { min: 0, max: 1 } });
		await admin.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [ixSchema]);
		await admin.raw('CREATE SCHEMA ??', [ixSchema]);
		await admin.destroy();
		const db = knexFactory({ client: 'pg', connection: POSTGRES_URL, searchPath: [ixSchema], pool: { min: 0, max: 4 } });
		try {
			const r = await measurePipeline(db);
			const raw = r.raw;
			report.add('postgres indexing: items / chunks indexed through the pipeline', r.items, 'items', undefined, `${r.chunks} chunks`);
			report.add("postgres indexing: raw local embedder, the pipeline's own instance (yields every 10 ms)", raw, 'chunks/s');
			report.add('postgres indexing: raw local embedder in one synchronous pass per batch (sliceMs Infinity)', r.rawUnsliced, 'chunks/s');
			report.add('postgres indexing: before — vectors only, embedder in one pass, one page at a time', r.vectorsOnly.before, 'chunks/s', undefined, `${(r.vectorsOnly.before / r.rawUnsliced).toFixed(2)}× its raw embedder`);
			report.add('postgres indexing: after — vectors only, default pipeline', r.vectorsOnly.after, 'chunks/s');
			report.add('postgres indexing: after — vectors-only pipeline / raw embedder', r.vectorsOnly.after / raw, 'x');
			report.add('postgres indexing: before — with full text, embedder in one pass, one page at a time', r.withFullText.before, 'chunks/s', undefined, `${(r.withFullText.before / r.rawUnsliced).toFixed(2)}× its raw embedder`);
			report.add('postgres indexing: with full text, yielding embedder, one page at a time', r.withFullText.onePage, 'chunks/s', undefined, `${(r.withFullText.onePage / raw).toFixed(2)}× raw`);
			report.add(`postgres indexing: with full text, yielding embedder, ${r.withFullText.pages} pages in flight`, r.withFullText.morePages, 'chunks/s', undefined, `${(r.withFullText.morePages / raw).toFixed(2)}× raw`);
			report.add('postgres indexing: after — with full text, default pipeline', r.withFullText.after, 'chunks/s', undefined, `reindexPagesInFlight default ${IndexingService.DEFAULT_PAGES_IN_FLIGHT}`);
			report.add('postgres indexing: embedding + PostgreSQL full-text indexing / raw embedder', r.withFullText.after / raw, 'x', { min: 0.5 });
			report.add('postgres indexing: after / before, with full text (same run)', r.withFullText.after / r.withFullText.before, 'x');
			report.add(`postgres indexing: ${r.withFullText.pages} pages in flight / one page at a time (with full text, yielding embedder)`, r.withFullText.morePages / r.withFullText.onePage, 'x');
			report.add('postgres indexing: with full text / vectors only (what the keyword engine costs the pipeline)', r.withFullText.after / r.vectorsOnly.after, 'x');
		} finally {
			await db.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [ixSchema]);
			await db.destroy();
		}
	});
});

const INDEXING_ITEMS = intEnv('BENCH_INDEXING_ITEMS', 5000);

interface PipelineFigures {
	items: number;
	chunks: number;
	/** The pipeline's own embedder instance on the texts it sent (chunks/s). */
	raw: number;
	/** The same embedder computing each batch in one synchronous pass: what the pipeline used before it yielded. */
	rawUnsliced: number;
	vectorsOnly: { before: number; after: number };
	/** `pages`: the default pages in flight, or 2 when the default is one page. */
	withFullText: { before: number; onePage: number; pages: number; morePages: number; after: number };
}

/**
 * A full reindex through the real pipeline on PostgreSQL, as a Directus on PostgreSQL runs it:
 * IndexingService → EmbeddingService → the local embedder, vectors in the embedded store and the
 * document state in the same database, keyword rows by the PostgreSQL engine; items are read from
 * memory (the CMS read is not what is measured), into a new index per run over the same items.
 *
 * "Before" is the pipeline as it was: the embedder computes each batch in one synchronous pass
 * (`sliceMs: Infinity`) and a reindex works on one page at a time. "After" is the default
 * pipeline (the embedder yields every 10 ms; `reindexPagesInFlight` at its default). Runs are
 * interleaved so that neither side gains from running second (warmer code, larger tables) or
 * from a quieter minute: vectors only A B B A; with the keyword engine A B C C B A (before, one
 * page, the default pages in flight or two when that is one; "after" is one of the last two). The raw embedder is then timed on the
 * very texts the pipeline sent, through the pipeline's own embedder instance and, beside it, in
 * one synchronous pass (best of two passes each).
 */
async function measurePipeline(db: Knex): Promise<PipelineFigures> {
	await createIndexingTables(db);
	const source = new MemoryItemSource();
	for (const item of generateItems(INDEXING_ITEMS, 42, new Vocabulary())) source.set('articles', String(item.id), { title: item.title, body: item.body, category: item.category });
	const local = new LocalEmbeddingModel();
	const unsliced = new LocalEmbeddingModel({ sliceMs: Number.POSITIVE_INFINITY });
	const counting = { sliced: new CountingModel(local), unsliced: new CountingModel(unsliced) };
	const embeddings = new EmbeddingService({ cache: null });
	const store = new EmbeddedVectorStore({ knex: db });
	const origin: CallOrigin = { user: null, sourceType: 'job', source: 'bench reindex', collection: 'articles' };
	type Run = { chunks: number; ms: number };
	let runs = 0;
	const run = async (embedder: 'sliced' | 'unsliced', withFullText: boolean, reindexPagesInFlight?: number): Promise<Run> => {
		const model = counting[embedder];
		const resolved = { model, definition: { inputPricePerMillion: 0, outputPricePerMillion: 0 } };
		const index = testIndex(`articles_${++runs}`, 'articles', { id: randomUUID(), metadataFields: ['category'] });
		await db('ml_indexes').insert({ id: index.id, name: index.name, collection: index.collection });
		const indexing = new IndexingService({
			db,
			items: source,
			resolveModel: async () => ({ key: EmbeddingService.cacheModelKey(model), dimensions: model.dimensions }),
			storeFor: () => store,
			fullText: withFullText ? new PostgresFullTextIndex({ knex: db }) : null,
			reindexPagesInFlight,
			async embed(_index, texts, callOrigin, signal) {
				return (await embeddings.embed(texts, { model: resolved, origin: callOrigin, signal })).embeddings;
			},
		});
		const started = performance.now();
		const progress = await indexing.reindex(index, { origin });
		const ms = performance.now() - started;
		expect(progress.result.indexed).toBe(INDEXING_ITEMS);
		return { chunks: progress.result.chunks, ms };
	};
	const rate = (...parts: Run[]): number => parts.reduce((sum, p) => sum + p.chunks, 0) / (parts.reduce((sum, p) => sum + p.ms, 0) / 1000);

	counting.sliced.keepTexts = true;
	const vAfter1 = await run('sliced', false);
	counting.sliced.keepTexts = false;
	const vBefore1 = await run('unsliced', false, 1);
	const vBefore2 = await run('unsliced', false, 1);
	const vAfter2 = await run('sliced', false);

	const before1 = await run('unsliced', true, 1);
	const one1 = await run('sliced', true, 1);
	const pages = Math.max(2, IndexingService.DEFAULT_PAGES_IN_FLIGHT);
	const two1 = await run('sliced', true, pages);
	const two2 = await run('sliced', true, pages);
	const one2 = await run('sliced', true, 1);
	const before2 = await run('unsliced', true, 1);
	expect(one1.chunks).toBe(vAfter1.chunks);

	const texts = [...counting.sliced.texts];
	const rawMs = await rawEmbeddingMs(local, texts);
	const rawUnslicedMs = await rawEmbeddingMs(unsliced, texts);
	const onePage = rate(one1, one2);
	const morePages = rate(two1, two2);
	return {
		items: INDEXING_ITEMS,
		chunks: vAfter1.chunks,
		raw: texts.length / (rawMs / 1000),
		rawUnsliced: texts.length / (rawUnslicedMs / 1000),
		vectorsOnly: { before: rate(vBefore1, vBefore2), after: rate(vAfter1, vAfter2) },
		withFullText: { before: rate(before1, before2), onePage, pages, morePages, after: IndexingService.DEFAULT_PAGES_IN_FLIGHT > 1 ? morePages : onePage },
	};
}
