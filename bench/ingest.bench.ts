import type { Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryEmbeddingCache } from '../extensions/ml-suite/src/core/embeddings/embedding-cache.js';
import { EmbeddingService } from '../extensions/ml-suite/src/core/embeddings/embedding-service.js';
import type { IndexDefinition } from '../extensions/ml-suite/src/core/indexing/index-definition.js';
import { IndexingService, type ReindexProgress } from '../extensions/ml-suite/src/core/indexing/indexing-service.js';
import { LocalEmbeddingModel } from '../extensions/ml-suite/src/core/providers/local-embedding-model.js';
import { KnexUsageRecorder } from '../extensions/ml-suite/src/core/usage/knex-usage-recorder.js';
import type { CallOrigin } from '../extensions/ml-suite/src/core/usage/types.js';
import { EmbeddedVectorStore } from '../extensions/ml-suite/src/core/vector-stores/embedded-vector-store.js';
import { generateItems, prose, Vocabulary } from './support/corpus.js';
import { CountingModel, rawEmbeddingMs } from './support/counting-model.js';
import { createIndex, createItemsTable, createSuiteTables, openSqlite, SqliteItems } from './support/database.js';
import { intEnv } from './support/env.js';
import { Report } from './support/report.js';
import { seededRandom } from './support/stats.js';

/**
 * Issue "Embeddings and search": a full reindex through the real pipeline (IndexingService →
 * EmbeddingService → LocalEmbeddingModel → EmbeddedVectorStore on a SQLite file, usage rows via
 * KnexUsageRecorder), compared with the bare embedder on the same texts; then an incremental
 * reindex after editing 1% of the items.
 */
const ITEMS = intEnv('BENCH_ITEMS', 10_000);
const EDIT_SHARE = 0.01;

describe('ingest', () => {
	const report = new Report('ingest', { items: ITEMS });
	let db: ReturnType<typeof openSqlite>;
	let knex: Knex;
	let usage: KnexUsageRecorder;

	beforeAll(() => {
		db = openSqlite('ingest');
		knex = db.knex;
	});
	afterAll(async () => {
		await usage?.close();
		report.save();
		await db?.remove();
	});

	it('reindexes through the pipeline, then incrementally after a 1% edit', async () => {
		await createSuiteTables(knex);
		const vocab = new Vocabulary();
		const items = generateItems(ITEMS, 42, vocab);
		await createItemsTable(knex, 'articles', items);
		const index: IndexDefinition = await createIndex(knex, 'articles', 'articles');

		const model = new CountingModel(new LocalEmbeddingModel());
		usage = new KnexUsageRecorder({ knex, flushIntervalMs: 1000 });
		// As the container wires the local provider: a bounded memory cache, usage recorded per call.
		const embeddings = new EmbeddingService({ cache: new MemoryEmbeddingCache({ maxEntries: 20_000 }), usage });
		const resolved = { model, definition: { inputPricePerMillion: 0, outputPricePerMillion: 0 } };
		const store = new EmbeddedVectorStore({ knex });
		const source = new SqliteItems(knex);
		const indexing = new IndexingService({
			db: knex,
			items: source,
			resolveModel: async () => ({ key: EmbeddingService.cacheModelKey(model), dimensions: model.dimensions }),
			storeFor: () => store,
			async embed(_index, texts, origin, signal) {
				return (await embeddings.embed(texts, { model: resolved, origin, signal })).embeddings;
			},
		});
		const origin: CallOrigin = { user: null, sourceType: 'job', source: 'bench reindex', collection: 'articles' };
		const usageTokens = async (): Promise<{ tokens: number; calls: number }> => {
			await usage.flush();
			const row = await knex('ml_usage').where({ cache_hit: false }).sum({ tokens: 'input_tokens' }).count({ calls: '*' }).first();
			return { tokens: Number(row?.tokens ?? 0), calls: Number(row?.calls ?? 0) };
		};

		// 1. Full reindex.
		model.keepTexts = true;
		const started = performance.now();
		const first: ReindexProgress = await indexing.reindex(index, { origin });
		const firstMs = performance.now() - started;
		model.keepTexts = false;
		const firstUsage = await usageTokens();
		const chunks = first.result.chunks;
		expect(first.result.indexed).toBe(ITEMS);
		expect(await store.count('idx_articles')).toBe(chunks);
		const firstCalls = model.calls;
		const firstTokens = model.tokens;
		const firstEmbedMs = model.embedMs;
		const texts = [...model.texts];

		// The bare embedder on the very texts the pipeline sent, in batches of the same size (best of two passes).
		const rawMs = await rawEmbeddingMs(new LocalEmbeddingModel(), texts);
		const pipelineChunksPerS = chunks / (firstMs / 1000);
		const rawChunksPerS = texts.length / (rawMs / 1000);
		const minimumCalls = Math.ceil(texts.length / model.maxBatchSize);

		report.add('full reindex wall time', firstMs / 1000, 's');
		report.add('items/s (full reindex)', ITEMS / (firstMs / 1000), 'items/s');
		report.add('chunks/s (full reindex)', pipelineChunksPerS, 'chunks/s');
		report.add('chunks indexed', chunks, 'chunks');
		report.add('distinct texts sent to the provider', texts.length, 'texts');
		report.add('raw embedder throughput (same texts, batch 256)', rawChunksPerS, 'chunks/s');
		report.add('pipeline / raw embedder throughput', pipelineChunksPerS / rawChunksPerS, 'x', { min: 0.5 });
		report.add('share of reindex time spent in the embedder', firstEmbedMs / firstMs, 'x');
		report.add('provider calls (full reindex)', firstCalls, 'calls');
		report.add('minimum calls ceil(chunks / maxBatchSize)', minimumCalls, 'calls');
		report.add('provider calls / minimum', firstCalls / minimumCalls, 'x', undefined, 'reindex embeds page by page (500 items), so each page ends in a partial batch');
		report.add('provider tokens (full reindex)', firstTokens, 'tokens');
		report.add('ml_usage rows / tokens match the wrapper', firstUsage.calls === firstCalls && firstUsage.tokens === firstTokens ? 1 : 0, 'bool');

		// 2. Edit 1% of the items (one sentence changed in the middle of the body), then reindex again.
		const random = seededRandom(99);
		const editCount = Math.max(1, Math.round(ITEMS * EDIT_SHARE));
		const step = Math.floor(ITEMS / editCount);
		for (let n = 0; n < editCount; n++) {
			const item = items[n * step]!;
			const middle = Math.floor(item.body.length / 2);
			const body = `${item.body.slice(0, middle)} ${prose(vocab, random, 3, 80)} ${item.body.slice(middle)}`;
			await knex('articles').where({ id: item.id }).update({ body });
		}
		model.reset();
		const before = await usageTokens();
		const t1 = performance.now();
		const second = await indexing.reindex(index, { origin });
		const secondMs = performance.now() - t1;
		const after = await usageTokens();
		expect(second.result.indexed).toBe(editCount);
		expect(second.result.unchanged).toBe(ITEMS - editCount);

		report.add('incremental reindex wall time (1% edited)', secondMs / 1000, 's');
		report.add('items re-embedded', second.result.indexed, 'items');
		report.add('chunks sent to the embedding layer', second.result.embeddedChunks, 'chunks');
		report.add('provider calls (incremental)', model.calls, 'calls');
		report.add('provider tokens (incremental)', model.tokens, 'tokens');
		report.add('incremental tokens as % of full', (100 * model.tokens) / firstTokens, '%', { max: 2 });
		report.add('ml_usage tokens (incremental) as % of full', (100 * (after.tokens - before.tokens)) / firstUsage.tokens, '%', { max: 2 });
		report.add('incremental wall time as % of full', (100 * secondMs) / firstMs, '%');
	});
});
