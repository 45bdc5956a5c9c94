import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { EmbeddingService } from '../extensions/ml-suite/src/core/embeddings/embedding-service.js';
import { embeddingInput, prepareDocument } from '../extensions/ml-suite/src/core/indexing/build-document.js';
import { computeSettingsHash, parseIndexRow } from '../extensions/ml-suite/src/core/indexing/index-definition.js';
import { IndexingService } from '../extensions/ml-suite/src/core/indexing/indexing-service.js';
import { createIndexingTables } from '../extensions/ml-suite/src/core/indexing/indexing-tables.fixtures.js';
import { MemoryItemSource } from '../extensions/ml-suite/src/core/indexing/memory-item-source.fixtures.js';
import { LocalEmbeddingModel } from '../extensions/ml-suite/src/core/providers/local-embedding-model.js';
import type { CallerAccess } from '../extensions/ml-suite/src/core/search/caller-access.js';
import { defaultFusion, type FusionOptions } from '../extensions/ml-suite/src/core/search/fusion.js';
import { SearchService, type SearchMode } from '../extensions/ml-suite/src/core/search/search-service.js';
import { SqliteFullTextIndex } from '../extensions/ml-suite/src/core/search/sqlite-full-text-index.js';
import { analyzeQuery, analyzeText } from '../extensions/ml-suite/src/core/text/analyze-text.js';
import { EmbeddedVectorStore } from '../extensions/ml-suite/src/core/vector-stores/embedded-vector-store.js';
import { listBeirSets, loadBeir, ndcgAt, type BeirSet } from './support/beir.js';
import { openSqlite } from './support/database.js';
import { Report } from './support/report.js';

/**
 * Issue 9 quality targets on public BEIR sets, through the real pipeline on the embedded default
 * (local hashing embedder, embedded store, SQLite with FTS5): nDCG@10 of the default search mode
 * (hybrid) against plain BM25 (a bare FTS5 `bm25()` index over the same documents, same
 * analyzer) at every limit from 5 to 100, semantic-only and keyword-only beside them; whether
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

describe.skipIf(sets.length === 0)('relevance', () => {
	const report = new Report('relevance', { sets: sets.length });
	afterAll(() => {
		report.save();
	});

	for (const name of sets) {
		it(name, { timeout: 3_600_000 }, async () => {
			const set = loadBeir(join(ROOT, name), name);
			await runSet(set, report);
		});
	}
});

async function runSet(set: BeirSet, report: Report): Promise<void> {
	const db = openSqlite(`relevance-${set.name}`);
	const knex = db.knex;
	try {
		await createIndexingTables(knex);
		const items = new MemoryItemSource();
		for (const doc of set.corpus) items.set('docs', doc.id, { title: doc.title, text: doc.text });
		const model = new LocalEmbeddingModel();
		const resolved = { model, definition: { inputPricePerMillion: 0, outputPricePerMillion: 0 } };
		const embeddings = new EmbeddingService({ cache: null });
		const store = new EmbeddedVectorStore({ knex });
		const fullText = new SqliteFullTextIndex({ knex });
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
		report.add(`${set.name}: documents / chunks / queries`, set.corpus.length, 'docs', undefined, `${progress.result.chunks} chunks, ${set.queries.size} queries`);
		report.add(`${set.name}: raw local embedder`, rawPerSecond, 'chunks/s');
		report.add(`${set.name}: indexing pipeline with FTS5`, pipelinePerSecond, 'chunks/s');
		report.add(`${set.name}: indexing with FTS5 / raw embedder`, pipelinePerSecond / rawPerSecond, 'x', { min: 0.5 });

		// Plain BM25: FTS5 bm25() over whole documents (title + text), same analyzer.
		await knex.raw(`CREATE VIRTUAL TABLE bare_bm25 USING fts5(terms, tokenize='unicode61 remove_diacritics 0')`);
		for (let i = 0; i < set.corpus.length; i += 200) {
			const part = set.corpus.slice(i, i + 200);
			await knex.raw(`INSERT INTO bare_bm25 (rowid, terms) VALUES ${part.map(() => '(?, ?)').join(', ')}`, part.flatMap((d, j) => [i + j + 1, analyzeText(`${d.title} ${d.text}`).join(' ')]));
		}
		const bm25 = async (query: string, limit: number): Promise<string[]> => {
			const terms = analyzeQuery(query);
			if (terms.length === 0) return [];
			const rows: { rowid: number }[] = await knex.raw(`SELECT rowid FROM bare_bm25 WHERE bare_bm25 MATCH ? ORDER BY bm25(bare_bm25) LIMIT ?`, [terms.map((t) => `"${t}"`).join(' OR '), limit]);
			return rows.map((r) => set.corpus[r.rowid - 1]!.id);
		};

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

		let limitDependent = 0;
		const hybridAt100 = new Map<string, string[]>();
		for (const [qid, query] of set.queries) hybridAt100.set(qid, await run(query, 'hybrid', 100));
		for (const limit of LIMITS) {
			const base = await mean((q) => bm25(q, limit));
			const hybrid = await mean(async (q, qid) => {
				const hits = await run(q, 'hybrid', limit);
				if (hits.join() !== hybridAt100.get(qid)!.slice(0, limit).join()) limitDependent++;
				return hits;
			});
			const semantic = await mean((q) => run(q, 'semantic', limit));
			const keyword = await mean((q) => run(q, 'keyword', limit));
			report.add(`${set.name} limit ${limit}: BM25 (bare FTS5) nDCG@10`, base, '');
			report.add(`${set.name} limit ${limit}: hybrid (default) nDCG@10`, hybrid, '');
			report.add(`${set.name} limit ${limit}: keyword (pipeline) nDCG@10`, keyword, '');
			report.add(`${set.name} limit ${limit}: semantic nDCG@10`, semantic, '');
			report.add(`${set.name} limit ${limit}: hybrid / BM25`, hybrid / base, 'x', { min: 1 });
		}
		report.add(`${set.name}: hybrid results differing from the limit-100 list's prefix`, limitDependent, 'queries', { max: 0 });

		// Fusion settings tried for the local embedder's defaults (limit 10), for the record.
		const variants: [string, Partial<FusionOptions>][] = (process.env.BENCH_FUSION_VARIANTS ?? 'rrf:0.1,rrf:0.3,rrf:1,weighted:0.1,weighted:0.2,weighted:0.4')
			.split(',')
			.filter(Boolean)
			.map((v) => {
				const [method, weight] = v.split(':');
				return [`${method} sem ${weight}`, { method: method as FusionOptions['method'], semanticWeight: Number(weight) }];
			});
		for (const [label, fusion] of variants) report.add(`${set.name} fusion ${label}: nDCG@10 (limit 10)`, await mean((q) => run(q, 'hybrid', 10, fusion)), '');
	} finally {
		await db.remove();
	}
}
