import { randomUUID } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddingService } from '../embeddings/embedding-service.js';
import { InvalidPayloadError, NotFoundError, ProviderError } from '../errors.js';
import { namespaceOf, parseIndexRow, type IndexDefinition } from '../indexing/index-definition.js';
import { createIndexingTables } from '../indexing/indexing-tables.fixtures.js';
import { IndexingService } from '../indexing/indexing-service.js';
import { MemoryItemSource } from '../indexing/memory-item-source.fixtures.js';
import { LocalEmbeddingModel } from '../providers/local-embedding-model.js';
import type { CallerAccess } from '../search/caller-access.js';
import { SearchService } from '../search/search-service.js';
import { EmbeddedVectorStore } from '../vector-stores/embedded-vector-store.js';
import { compareRuns } from './compare-runs.js';
import { BeirImportRequest } from './beir-set-import.js';
import { EvalRepository } from './eval-repository.js';
import type { EvalQuery } from './eval-set.js';
import { createEvalTables } from './eval-tables.fixtures.js';
import { EvalRunRequest, EvaluationService, type EvaluationDeps, type RankRequest } from './evaluation-service.js';

const NOTES: Record<string, string> = {
	'1': 'Tardigrades, the microscopic water bears, survive radiation and the vacuum of space.',
	'2': 'Sourdough bread needs a lively starter, long fermentation and a very hot oven.',
	'3': 'A heat pump moves heat from outdoor air into a house with a refrigerant and a compressor.',
	'4': 'Night trains carry sleeping cars across Europe so travellers sleep in a berth.',
	'5': 'Beavers build dams that slow rivers, store water and create wetlands for wildlife.',
	'6': 'Cast iron pans keep their seasoning when dried on the stove and oiled thinly.',
};

const QUERIES: EvalQuery[] = [
	{ id: 'q1', query: 'water bears surviving space', relevant: [{ item: '1', grade: 2 }] },
	{ id: 'q2', query: 'sourdough starter fermentation', relevant: [{ item: '2', grade: 1 }] },
	{ id: 'q3', query: 'sleeping berth on a night train', relevant: [{ item: '4', grade: 1 }, { item: '5', grade: 1 }] },
];

const origin = { user: null, sourceType: 'cli' as const, source: 'cli:test' };
const FILE_ID = '33333333-3333-4333-8333-333333333333';
const free = { inputPricePerMillion: 0, outputPricePerMillion: 0 };

/** Admin access: every item and field is readable. */
function fullAccess(items: MemoryItemSource): CallerAccess {
	return {
		canRead: async () => true,
		primaryKey: async () => 'id',
		readItems: async (collection, keys) => items.read(collection, keys, ['id', 'title', 'body']),
	};
}

describe('EvaluationService', () => {
	let db: Knex;
	let items: MemoryItemSource;
	let store: EmbeddedVectorStore;
	let index: IndexDefinition;
	let repository: EvalRepository;
	let setId: string;
	let enqueued: string[];
	let ranked: RankRequest[];
	const models: Record<string, LocalEmbeddingModel> = {
		default: new LocalEmbeddingModel({ dimensions: 64 }),
		'22222222-2222-4222-8222-222222222222': new LocalEmbeddingModel({ dimensions: 128, modelId: 'local-wide' }),
	};
	const modelOf = (id: string | null): LocalEmbeddingModel => {
		const model = models[id ?? 'default'];
		if (!model) throw new NotFoundError(`Model "${id}" does not exist.`);
		return model;
	};
	const embeddings = new EmbeddingService({});

	function deps(overrides: Partial<EvaluationDeps> = {}): EvaluationDeps {
		const search = new SearchService({
			storeFor: () => store,
			embedQuery: async (def, text) => (await embeddings.embed([text], { model: { model: modelOf(def.embeddingModel), definition: free }, origin })).embeddings[0]!,
		});
		return {
			repository,
			indexByName: async (name) => {
				if (name !== index.name) throw new NotFoundError(`Unknown index "${name}".`);
				return index;
			},
			indexById: async (id) => (id === index.id ? index : null),
			resolveModel: async (id) => {
				const model = modelOf(id);
				return { id, key: EmbeddingService.cacheModelKey(model), label: model.modelId, dimensions: model.dimensions };
			},
			rank: async (request) => {
				ranked.push(request);
				const hits = await search.search({ query: request.query, indexes: [request.index], mode: request.mode as 'semantic', limit: request.limit, filter: null, fields: [], access: fullAccess(items), origin });
				return hits.map((h) => ({ item: h.item, title: h.title }));
			},
			coverage: async () => ({ indexed: 6, items: 6 }),
			candidate: (_index, model) => ({
				items,
				store,
				dimensions: model.dimensions,
				embed: async (texts) => (await embeddings.embed(texts, { model: { model: modelOf(model.id), definition: free }, origin })).embeddings,
			}),
			enqueue: async (runId) => {
				enqueued.push(runId);
				return { id: `job-${enqueued.length}` };
			},
			rerankers: () => [],
			listIndexes: async () => [index],
			listModels: async () => [],
			resolveItemKeys: async (collection, field, values) => {
				const rows = await items.read(collection, await items.listKeys(collection, { offset: 0, limit: 1000 }), ['id', 'slug']);
				const out = new Map<string, string>();
				for (const [key, row] of rows) {
					const value = String(field ? row[field] : key);
					if (values.includes(value)) out.set(value, key);
				}
				return out;
			},
			readFile: async (id) => {
				if (id === FILE_ID) return 'q1\tnote-1\t1\n';
				throw new NotFoundError(`File "${id}" does not exist.`);
			},
			saveSet: async (set, replaceId) => {
				const id = replaceId ?? randomUUID();
				const row = { name: set.name, source: set.source, index: set.indexId, collection: set.collection, id_field: set.idField, queries: JSON.stringify(set.queries), query_count: set.queries.length, import_report: JSON.stringify(set.importReport) };
				if (replaceId) await db('ml_eval_sets').where('id', id).update(row);
				else await db('ml_eval_sets').insert({ id, ...row });
				return id;
			},
			...overrides,
		};
	}

	const request = (overrides: Record<string, unknown> = {}): EvalRunRequest => EvalRunRequest.parse({ set: 'notes-set', mode: 'semantic', limit: 10, ...overrides });

	beforeEach(async () => {
		db = knexFactory({ client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
		await createIndexingTables(db);
		await createEvalTables(db);
		items = new MemoryItemSource();
		for (const [key, body] of Object.entries(NOTES)) items.set('notes', key, { title: `Note ${key}`, slug: `note-${key}`, body });
		store = new EmbeddedVectorStore({ knex: db });
		index = parseIndexRow({ id: randomUUID(), name: 'notes', collection: 'notes', title_field: 'title', content_fields: 'body' }, { chunkSize: 1000, chunkOverlap: 100 });
		await db('ml_indexes').insert({ id: index.id, name: index.name, collection: index.collection });
		const indexing = new IndexingService({
			db,
			items,
			storeFor: () => store,
			resolveModel: async () => ({ key: EmbeddingService.cacheModelKey(models.default!), dimensions: 64 }),
			embed: async (_i, texts) => (await embeddings.embed(texts, { model: { model: models.default!, definition: free }, origin })).embeddings,
		});
		await indexing.reindex(index, { origin });
		repository = new EvalRepository(db);
		setId = randomUUID();
		await db('ml_eval_sets').insert({ id: setId, name: 'notes-set', source: 'manual', index: index.id, collection: 'notes', queries: JSON.stringify(QUERIES), query_count: 3 });
		enqueued = [];
		ranked = [];
	});
	afterEach(async () => {
		await store.close();
		await db.destroy();
	});

	it('records a queued run with what it will evaluate, and enqueues its job', async () => {
		const service = new EvaluationService(deps());
		const run = await service.createRun(request(), { user: 'u1', source: 'api' });
		expect(run).toMatchObject({
			status: 'queued',
			setId,
			setName: 'notes-set',
			indexName: 'notes',
			collection: 'notes',
			modelKey: 'local:local-hash-64:64',
			candidateModel: false,
			mode: 'semantic',
			k: 10,
			queryCount: 3,
			source: 'api',
			user: 'u1',
			jobId: 'job-1',
		});
		expect(enqueued).toEqual([run.id]);
		expect((await repository.getRun(run.id))?.jobId).toBe('job-1');
	});

	it('refuses what cannot be run, saying why', async () => {
		const service = new EvaluationService(deps());
		const who = { user: null, source: 'api' as const };
		await expect(service.createRun(request({ set: 'nope' }), who)).rejects.toThrow(NotFoundError);
		await expect(service.createRun(request({ index: 'other' }), who)).rejects.toThrow(/Unknown index "other"/);
		await expect(service.createRun(request({ model: 'missing-model' }), who)).rejects.toThrow(/Model "missing-model" does not exist/);
		await expect(service.createRun(request({ reranker: 'cohere' }), who)).rejects.toThrow(/Unknown reranker "cohere"\. No reranker is configured/);
		await db('ml_eval_sets').where('id', setId).update({ collection: 'articles' });
		await expect(service.createRun(request(), who)).rejects.toThrow(/covers "notes", but set "notes-set" judges items of "articles"/);
		await db('ml_eval_sets').where('id', setId).update({ collection: 'notes', index: null });
		await expect(service.createRun(request(), who)).rejects.toThrow(/has no index: name one in "index"/);
		expect(() => EvalRunRequest.parse({ set: 'x', limit: 5 })).toThrow(/at least 10/);
		expect(enqueued).toEqual([]);
	});

	it('scores each query exactly as the metrics define, and stores per-query results and timings', async () => {
		// A scripted ranking makes every figure hand-computable.
		const script: Record<string, string[]> = {
			'water bears surviving space': ['1', '3'], // relevant (grade 2) at rank 1: nDCG 1, RR 1
			'sourdough starter fermentation': ['6', '2'], // relevant at rank 2: nDCG 1/log2(3), RR 1/2
			'sleeping berth on a night train': ['4', '6', '1'], // 1 of 2 relevant at rank 1: nDCG 1/(1 + 1/log2 3)
		};
		const service = new EvaluationService(deps({ rank: async (r) => (script[r.query] ?? []).map((item) => ({ item })) }));
		const run = await service.createRun(request(), { user: null, source: 'api' });
		const done = await service.execute(run.id, { jobId: 'job-1' });
		expect(done).toMatchObject({ status: 'completed', progress: 100, error: null });
		if ('skipped' in done) throw new Error('skipped');
		const ndcg = [1, 1 / Math.log2(3), 1 / (1 + 1 / Math.log2(3))];
		expect(done.metrics?.ndcg10).toBeCloseTo((ndcg[0]! + ndcg[1]! + ndcg[2]!) / 3, 5);
		expect(done.metrics?.recall).toBeCloseTo((1 + 1 + 0.5) / 3, 5);
		expect(done.metrics?.mrr).toBeCloseTo((1 + 0.5 + 1) / 3, 5);
		expect(done.metrics).toMatchObject({ queries: 3, queriesWithHit: 3 });
		expect(done.perQuery?.[1]).toMatchObject({ id: 'q2', firstRelevantRank: 2, relevant: 1, relevantFound: 1, top: [{ item: '6', grade: 0 }, { item: '2', grade: 1 }], missed: [] });
		expect(done.perQuery?.[2]?.missed).toEqual([{ item: '5', grade: 1 }]);
		expect(done.timings).toMatchObject({ buildMs: 0 });
		expect(done.timings!.searchP95Ms).toBeGreaterThanOrEqual(done.timings!.searchP50Ms);
		expect(done.details).toMatchObject({ coverage: { indexed: 6, items: 6 } });
		// Running the job again (a retry, a recovered job) leaves the finished run alone.
		expect(await service.execute(run.id, { jobId: 'job-1' })).toEqual({ skipped: 'run is completed' });
	});

	it('evaluates another model on vectors built for the run, without touching the index, and drops them afterwards', async () => {
		const service = new EvaluationService(deps());
		const own = await store.count(namespaceOf(index));
		const wide = '22222222-2222-4222-8222-222222222222';
		const run = await service.createRun(request({ model: wide }), { user: null, source: 'api' });
		expect(run).toMatchObject({ candidateModel: true, modelKey: 'local:local-wide:128', modelId: wide });
		const done = await service.execute(run.id, { jobId: 'job-1' });
		if ('skipped' in done) throw new Error('skipped');
		expect(done.status).toBe('completed');
		expect(done.details).toMatchObject({ candidate: { items: 6, chunks: 6, dimensions: 128 } });
		// Searched through a copy of the index that embeds with the candidate model, in its own namespace.
		expect(new Set(ranked.map((r) => r.index.embeddingModel))).toEqual(new Set([wide]));
		expect(ranked[0]?.index.id).toBe(index.id);
		const candidateNamespace = namespaceOf(ranked[0]!.index);
		expect(candidateNamespace).not.toBe(namespaceOf(index));
		expect((await store.listNamespaces()).map((ns) => ns.name)).not.toContain(candidateNamespace);
		expect(await store.count(namespaceOf(index))).toBe(own);
		// The local hash model finds the water-bear note for q1 at rank 1 with either width.
		expect(done.perQuery?.[0]).toMatchObject({ firstRelevantRank: 1, missed: [] });
		expect(done.perQuery?.[0]?.top[0]).toEqual({ item: '1', grade: 2, title: 'Note 1' });
	});

	it('fails the run naming the query whose search failed; a retryable failure before the last attempt leaves it to the retry', async () => {
		const outage = new ProviderError('upstream 503', { provider: 'openai', statusCode: 503, retryable: true });
		const service = new EvaluationService(deps({ rank: async () => Promise.reject(outage) }));
		const run = await service.createRun(request(), { user: null, source: 'api' });
		await expect(service.execute(run.id, { jobId: 'j', finalAttempt: false })).rejects.toThrow(/Query "q1" failed: upstream 503/);
		expect((await repository.getRun(run.id))?.status).toBe('running');
		await expect(service.execute(run.id, { jobId: 'j', finalAttempt: true })).rejects.toThrow(/upstream 503/);
		expect(await repository.getRun(run.id)).toMatchObject({ status: 'failed', error: 'Query "q1" failed: upstream 503' });
	});

	it('stops a cancelled run within a few queries and leaves it cancelled', async () => {
		const many = Array.from({ length: 30 }, (_, i) => ({ id: `q${i}`, query: `query ${i}`, relevant: [{ item: '1', grade: 1 }] }));
		await db('ml_eval_sets').where('id', setId).update({ queries: JSON.stringify(many) });
		let calls = 0;
		const service: EvaluationService = new EvaluationService(
			deps({
				rank: async () => {
					if (++calls === 5) await service.cancel(run.id);
					return [{ item: '1' }];
				},
			}),
		);
		const run = await service.createRun(request(), { user: null, source: 'api' });
		expect(await service.execute(run.id, { jobId: 'j' })).toEqual({ skipped: 'run cancelled' });
		expect(calls).toBeLessThanOrEqual(10);
		expect(await repository.getRun(run.id)).toMatchObject({ status: 'cancelled', error: 'Cancelled by an administrator.' });
		await expect(service.cancel(run.id)).rejects.toThrow(InvalidPayloadError);
	});

	it('requeues runs a stopped process left queued or running, except CLI runs', async () => {
		const service = new EvaluationService(deps());
		const queued = await service.createRun(request(), { user: null, source: 'api' }, { enqueue: false });
		const running = await service.createRun(request(), { user: null, source: 'flow' }, { enqueue: false });
		await repository.markRunning(running.id);
		const cli = await service.createRun(request(), { user: null, source: 'cli' }, { enqueue: false });
		await repository.markRunning(cli.id);
		const finished = await service.createRun(request(), { user: null, source: 'api' }, { enqueue: false });
		await service.execute(finished.id, { jobId: null });
		expect(await service.resumeUnfinished()).toBe(2);
		expect(enqueued.sort()).toEqual([queued.id, running.id].sort());
	});

	it('compares runs per query with a paired test against the first run', async () => {
		const good: Record<string, string[]> = { 'water bears surviving space': ['1'], 'sourdough starter fermentation': ['2'], 'sleeping berth on a night train': ['4', '5'] };
		const bad: Record<string, string[]> = { 'water bears surviving space': ['3'], 'sourdough starter fermentation': ['6', '3', '2'], 'sleeping berth on a night train': ['6'] };
		const runA = await new EvaluationService(deps({ rank: async (r) => (bad[r.query] ?? []).map((item) => ({ item })) })).createRun(request(), { user: null, source: 'api' });
		await new EvaluationService(deps({ rank: async (r) => (bad[r.query] ?? []).map((item) => ({ item })) })).execute(runA.id, { jobId: null });
		const runB = await new EvaluationService(deps({ rank: async (r) => (good[r.query] ?? []).map((item) => ({ item })) })).createRun(request(), { user: null, source: 'api' });
		await new EvaluationService(deps({ rank: async (r) => (good[r.query] ?? []).map((item) => ({ item })) })).execute(runB.id, { jobId: null });
		const comparison = compareRuns([(await repository.getRun(runA.id))!, (await repository.getRun(runB.id))!]);
		expect(comparison).toMatchObject({ sameJudgements: true, pairedQueries: 3 });
		expect(comparison.runs.map((r) => r.id)).toEqual([runA.id, runB.id]);
		expect(comparison.runs[0]).not.toHaveProperty('perQuery');
		const ndcg = comparison.versusBaseline[0]!.metrics.ndcg10;
		expect(ndcg).toMatchObject({ wins: 3, losses: 0, ties: 0, queries: 3 });
		expect(ndcg.meanDifference).toBeCloseTo(1 - (0.5 / 3), 5);
		// Three queries allow only 8 sign assignments: p cannot go below 2/8.
		expect(ndcg.pValue).toBeGreaterThan(0.2);
		expect(comparison.queries[2]).toMatchObject({ id: 'q3', relevant: 2, results: [{ ndcg10: 0, firstRelevantRank: null }, { ndcg10: 1, firstRelevantRank: 1 }] });
	});
	it('imports a BEIR set through an item field, refuses to overwrite a set by accident, and reads files from Directus Files', async () => {
		const service = new EvaluationService(deps());
		const who = { user: 'admin-1' };
		const queries = '{"_id":"q1","text":"water bears"}\n{"_id":"q2","text":"sourdough"}\n';
		const qrels = 'query-id\tcorpus-id\tscore\nq1\tnote-1\t2\nq2\tnote-2\t1\nq2\tnote-99\t1\n';
		const imported = await service.importBeir(BeirImportRequest.parse({ name: 'beir-notes', index: 'notes', queries, qrels, idField: 'slug' }), who);
		expect(imported.set).toMatchObject({ name: 'beir-notes', source: 'beir', collection: 'notes', idField: 'slug', indexId: index.id, queryCount: 2 });
		expect(imported.set.queries).toEqual([
			{ id: 'q1', query: 'water bears', relevant: [{ item: '1', grade: 2 }] },
			{ id: 'q2', query: 'sourdough', relevant: [{ item: '2', grade: 1 }] },
		]);
		expect(imported.report).toMatchObject({ queriesImported: 2, unmappedCorpusIds: 1, unmappedSample: ['note-99'] });

		await expect(service.importBeir(BeirImportRequest.parse({ name: 'beir-notes', index: 'notes', queries, qrels, idField: 'slug' }), who)).rejects.toMatchObject({ status: 409 });
		const replaced = await service.importBeir(BeirImportRequest.parse({ name: 'beir-notes', index: 'notes', queries, qrelsFile: FILE_ID, idField: 'slug', replace: true }), who);
		expect(replaced.set.id).toBe(imported.set.id);
		expect(replaced.set.queries).toEqual([{ id: 'q1', query: 'water bears', relevant: [{ item: '1', grade: 1 }] }]);

		expect(() => BeirImportRequest.parse({ name: 'x', index: 'notes', queries, qrels, qrelsFile: FILE_ID })).toThrow(/or \W*qrelsFile/);
		expect(() => BeirImportRequest.parse({ name: 'x', index: 'notes', qrels })).toThrow(/or \W*queriesFile/);
	});
});
