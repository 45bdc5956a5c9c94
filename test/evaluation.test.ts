import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from './fakes/openai-server.js';
import { createCollection, eventually } from './support/content.js';
import { freshSqliteFile, startDirectus, type DirectusInstance } from './support/directus.js';

const ROOT = join(import.meta.dirname, '..');

/** A small BEIR-style corpus: `slug` holds the corpus ids. */
const DOCS = [
	{ slug: 'doc-tardigrade', title: 'Tardigrades', body: 'Tardigrades, the microscopic water bears, survive desiccation, radiation and the vacuum of space by entering a dormant tun state.' },
	{ slug: 'doc-sourdough', title: 'Sourdough', body: 'Sourdough bread needs a lively starter, long fermentation, strong gluten and a very hot oven for a crisp crust.' },
	{ slug: 'doc-heatpump', title: 'Heat pumps', body: 'A heat pump moves heat from outdoor air into the house with a refrigerant cycle and a compressor instead of burning gas.' },
	{ slug: 'doc-nighttrain', title: 'Night trains', body: 'Night trains across Europe carry sleeping cars and couchettes, so travellers sleep in a berth while crossing borders.' },
	{ slug: 'doc-beaver', title: 'Beavers', body: 'Beavers build dams that slow rivers, store water in ponds and bring wetlands and their wildlife back.' },
];
const QUERIES = [
	{ _id: 'q1', text: 'water bears surviving the vacuum of space' },
	{ _id: 'q2', text: 'starter and fermentation for bread' },
	{ _id: 'q3', text: 'sleeping berth on an overnight train' },
	{ _id: 'q4', text: 'query whose only relevant document is not in the CMS' },
];
const QRELS = ['query-id\tcorpus-id\tscore', 'q1\tdoc-tardigrade\t2', 'q2\tdoc-sourdough\t1', 'q3\tdoc-nighttrain\t1', 'q3\tdoc-beaver\t0', 'q4\tdoc-missing\t1'].join('\n');
const jsonl = (rows: unknown[]): string => rows.map((row) => JSON.stringify(row)).join('\n');

async function waitForRun(directus: DirectusInstance, id: string): Promise<any> {
	return eventually(async () => {
		const res = await directus.request('GET', `/ml/eval/runs/${id}`);
		return res.body.data && ['completed', 'failed', 'cancelled'].includes(res.body.data.status) ? res.body.data : null;
	}, 60_000, `evaluation run ${id}`);
}

describe('relevance evaluation on a real Directus (inline queue)', () => {
	let directus: DirectusInstance;
	let fake: FakeOpenAIServer;
	let editorToken: string;
	let setId: string;

	beforeAll(async () => {
		fake = await startFakeOpenAIServer({ apiKey: 'test', dimensions: 16 });
		directus = await startDirectus({ env: { ML_FAKE_API_KEY: 'test', ML_PROVIDER_MAX_RETRIES: '0', ML_QUEUE: 'inline' } });
		await createCollection(directus, 'docs', { slug: 'string', title: 'string', body: 'text' });
		expect((await directus.request('POST', '/items/docs', { body: DOCS })).status).toBe(200);
		const index = await directus.request('POST', '/items/ml_indexes', { body: { name: 'docs', collection: 'docs', title_field: 'title', content_fields: ['body'], context_fields: ['title'] } });
		expect(index.status, index.text).toBe(200);
		await eventually(async () => (await directus.request('GET', '/ml/indexes/docs/coverage')).body.data?.documents.indexed === DOCS.length, 30_000, 'docs indexed');
		editorToken = await directus.createUser({ email: 'editor@example.com', permissions: [{ collection: 'docs', action: 'read' }] });
	});
	afterAll(async () => {
		await directus?.stop();
		await fake?.close();
	});

	it('imports a BEIR set, mapping corpus ids to items through a field, and reports what it left out', async () => {
		const res = await directus.request('POST', '/ml/eval/sets/import', { body: { name: 'docs-beir', index: 'docs', idField: 'slug', queries: jsonl(QUERIES), qrels: QRELS } });
		expect(res.status, res.text).toBe(201);
		expect(res.body.data.set).toMatchObject({ name: 'docs-beir', source: 'beir', collection: 'docs', idField: 'slug', queryCount: 3, index: 'docs' });
		expect(res.body.data.report).toMatchObject({ queriesInFile: 4, queriesImported: 3, relevantPairs: 3, nonRelevantJudgements: 1, unmappedCorpusIds: 1, unmappedSample: ['doc-missing'], queriesWithoutMappedRelevant: 1 });
		setId = res.body.data.set.id;

		// The set is an ordinary (admin-only) item, with the judged items' primary keys.
		const item = await directus.request('GET', `/items/ml_eval_sets/${setId}`);
		expect(item.status).toBe(200);
		const keys = await directus.request('GET', '/items/docs?fields=id,slug&limit=-1');
		const idOf = Object.fromEntries(keys.body.data.map((d: any) => [d.slug, String(d.id)]));
		expect(item.body.data.queries[0]).toEqual({ id: 'q1', query: QUERIES[0]!.text, relevant: [{ item: idOf['doc-tardigrade'], grade: 2 }] });
		expect(item.body.data.query_count).toBe(3);
	});

	it('answers bad input with a 4xx that names the problem', async () => {
		const post = (path: string, body: unknown) => directus.request('POST', path, { body });
		const badQrels = await post('/ml/eval/sets/import', { name: 'x', index: 'docs', queries: jsonl(QUERIES), qrels: 'query-id\tcorpus-id\tscore\nq1\tdoc-tardigrade\tvery' });
		expect(badQrels.status).toBe(400);
		expect(badQrels.body.errors[0].message).toMatch(/qrels line 2: relevance "very" must be a whole number/);
		const badField = await post('/ml/eval/sets/import', { name: 'x', index: 'docs', idField: 'nope', queries: jsonl(QUERIES), qrels: QRELS });
		expect(badField.status).toBe(400);
		expect(badField.body.errors[0].message).toMatch(/"idField": "nope" is not a field of "docs"/);
		expect((await post('/ml/eval/sets/import', { name: 'x', index: 'ghost', queries: jsonl(QUERIES), qrels: QRELS })).status).toBe(404);
		const duplicate = await post('/ml/eval/sets/import', { name: 'docs-beir', index: 'docs', idField: 'slug', queries: jsonl(QUERIES), qrels: QRELS });
		expect(duplicate.status).toBe(409);
		expect(duplicate.body.errors[0].message).toMatch(/"replace": true/);
		const both = await post('/ml/eval/sets/import', { name: 'x', index: 'docs', queries: 'a', qrels: QRELS, qrelsFile: '00000000-0000-4000-8000-000000000000' });
		expect(both.status).toBe(400);
		expect(both.body.errors[0].extensions.problems[0].field).toBe('qrels');

		const shallow = await post('/ml/eval/runs', { set: 'docs-beir', limit: 5 });
		expect(shallow.status).toBe(400);
		expect(shallow.body.errors[0].message).toMatch(/"limit": must be at least 10/);
		expect((await post('/ml/eval/runs', { set: 'docs-beir', mode: 'fuzzy' })).status).toBe(400);
		const unknownSet = await post('/ml/eval/runs', { set: 'no-such-set' });
		expect(unknownSet.status).toBe(404);
		expect(unknownSet.body.errors[0].message).toBe('Evaluation set "no-such-set" does not exist.');
		expect((await post('/ml/eval/runs', { set: 'docs-beir', reranker: 'cohere' })).body.errors[0].message).toMatch(/No reranker is configured/);
		expect((await post('/ml/eval/runs', { set: 'docs-beir', model: 'no-such-model' })).status).toBe(404);
		expect((await directus.request('GET', '/ml/eval/runs/not-a-run')).status).toBe(404);
		expect((await directus.request('GET', '/ml/eval/compare?runs=abc')).status).toBe(400);

		// Editing a set through Directus is validated the same way.
		const badEdit = await directus.request('PATCH', `/items/ml_eval_sets/${setId}`, { body: { queries: [{ id: 'q1', query: 'x', relevant: [{ item: '99999', grade: 1 }] }] } });
		expect(badEdit.status).toBe(400);
		expect(badEdit.body.errors[0].message).toMatch(/1 relevant item\(s\) do not exist in "docs": 99999/);
		const noRelevant = await directus.request('PATCH', `/items/ml_eval_sets/${setId}`, { body: { queries: [{ id: 'q1', query: 'x', relevant: [] }] } });
		expect(noRelevant.status).toBe(400);
		expect(noRelevant.body.errors[0].message).toMatch(/needs at least one relevant item/);
	});

	it('refuses non-administrators and anonymous callers', async () => {
		for (const [method, path, body] of [
			['GET', '/ml/eval/options', undefined],
			['GET', '/ml/eval/sets', undefined],
			['GET', '/ml/eval/runs', undefined],
			['POST', '/ml/eval/runs', { set: 'docs-beir' }],
			['POST', '/ml/eval/sets/import', { name: 'x', index: 'docs', queries: jsonl(QUERIES), qrels: QRELS }],
		] as const) {
			const asEditor = await directus.request(method, path, { token: editorToken, body });
			expect(asEditor.status, `${method} ${path}`).toBe(403);
			expect((await directus.request(method, path, { token: null, body })).status, `${method} ${path} anonymous`).toBe(401);
		}
		// The collections have no permissions for other roles.
		expect((await directus.request('GET', '/items/ml_eval_sets', { token: editorToken })).status).toBe(403);
		expect((await directus.request('GET', '/items/ml_eval_runs', { token: editorToken })).status).toBe(403);
	});

	it('runs the set on the queue and stores metrics, per-query results and timings; compares two runs', async () => {
		const started = await directus.request('POST', '/ml/eval/runs', { body: { set: 'docs-beir', mode: 'semantic', limit: 10 } });
		expect(started.status, started.text).toBe(202);
		expect(started.body.data).toMatchObject({ status: 'queued', setName: 'docs-beir', indexName: 'docs', mode: 'semantic', k: 10, candidateModel: false, source: 'api' });
		const semantic = await waitForRun(directus, started.body.data.id);
		expect(semantic.status, semantic.error).toBe('completed');
		expect(semantic.metrics.queries).toBe(3);
		for (const value of [semantic.metrics.ndcg10, semantic.metrics.recall, semantic.metrics.mrr]) expect(value).toBeGreaterThan(0);
		// Five documents and k = 10: every relevant document is retrieved.
		expect(semantic.metrics.recall).toBe(1);
		expect(semantic.perQuery).toHaveLength(3);
		expect(semantic.perQuery[0]).toMatchObject({ id: 'q1', relevant: 1, relevantFound: 1, missed: [] });
		expect(semantic.perQuery[0].top[0]).toHaveProperty('title');
		expect(semantic.timings.searchP50Ms).toBeGreaterThan(0);
		expect(semantic.details.coverage).toEqual({ indexed: 5, items: 5 });
		expect(semantic.jobId).toBeTruthy();

		// Stored in ml_eval_runs, readable by admins like any collection.
		const row = await directus.request('GET', `/items/ml_eval_runs/${semantic.id}?fields=status,ndcg_at_10,recall_at_k,mrr,eval_set,index_name,k`);
		expect(row.body.data).toMatchObject({ status: 'completed', eval_set: setId, index_name: 'docs', k: 10 });
		expect(row.body.data.ndcg_at_10).toBeCloseTo(semantic.metrics.ndcg10, 6);

		const hybridStart = await directus.request('POST', '/ml/eval/runs', { body: { set: setId, mode: 'hybrid', limit: 10 } });
		const hybrid = await waitForRun(directus, hybridStart.body.data.id);
		expect(hybrid.status, hybrid.error).toBe('completed');

		const list = await directus.request('GET', `/ml/eval/runs?set=docs-beir`);
		expect(list.body.data.map((r: any) => r.id)).toEqual([hybrid.id, semantic.id]);
		expect(list.body.data[0]).not.toHaveProperty('perQuery');

		const compare = await directus.request('GET', `/ml/eval/compare?runs=${semantic.id},${hybrid.id}`);
		expect(compare.status, compare.text).toBe(200);
		expect(compare.body.data).toMatchObject({ sameJudgements: true, pairedQueries: 3 });
		expect(compare.body.data.versusBaseline[0].run).toBe(hybrid.id);
		expect(compare.body.data.versusBaseline[0].metrics.ndcg10.meanDifference).toBeCloseTo(hybrid.metrics.ndcg10 - semantic.metrics.ndcg10, 5);
		expect(compare.body.data.queries[0].results).toHaveLength(2);
	});

	it('evaluates an OpenAI-compatible model against the index without touching the index, through the real openai SDK', async () => {
		const model = await directus.request('POST', '/items/ml_models', {
			body: { name: 'Fake embeddings', provider: 'openai-compatible', task: 'embedding', model_id: 'fake-embed', base_url: fake.baseUrl, api_key_env: 'ML_FAKE_API_KEY', dimensions: 16, status: 'active', is_default: false },
		});
		expect(model.status, model.text).toBe(200);
		const options = await directus.request('GET', '/ml/eval/options');
		expect(options.body.data.models.map((m: any) => m.id)).toContain(model.body.data.id);
		expect(options.body.data.indexes.find((i: any) => i.name === 'docs').model.key).toMatch(/^local:/);

		const before = fake.requests.filter((r) => r.path === '/v1/embeddings').length;
		const started = await directus.request('POST', '/ml/eval/runs', { body: { set: 'docs-beir', model: model.body.data.id, mode: 'semantic', limit: 10 } });
		expect(started.status, started.text).toBe(202);
		expect(started.body.data).toMatchObject({ candidateModel: true, modelId: model.body.data.id });
		const run = await waitForRun(directus, started.body.data.id);
		expect(run.status, run.error).toBe('completed');
		expect(run.details.candidate).toMatchObject({ items: 5, chunks: 5, dimensions: 16 });
		expect(run.timings.buildMs).toBeGreaterThan(0);
		// The documents and the three queries went to the provider.
		expect(fake.requests.filter((r) => r.path === '/v1/embeddings').length).toBeGreaterThan(before);
		// The index still searches with its own model and vectors.
		const coverage = await directus.request('GET', '/ml/indexes/docs/coverage');
		expect(coverage.body.data).toMatchObject({ vectors: 5, model: expect.stringMatching(/^local:/) });
		const stats = await directus.request('GET', '/ml/rag/stats');
		expect(JSON.stringify(stats.body)).not.toContain('__eval_');
	});
});

describe('evaluation on a fresh demo install, from the CLI', () => {
	it('seeds the demo set; `npm run ml -- ml:evaluate demo-articles` runs it and stores the run', async () => {
		const { file, env } = await freshSqliteFile('eval-cli');
		const directus = await startDirectus({ sqliteFile: file, seedDemo: true });
		try {
			const sets = await directus.request('GET', '/ml/eval/sets');
			expect(sets.body.data).toEqual([expect.objectContaining({ name: 'demo-articles', source: 'demo', queryCount: 36, index: 'articles', collection: 'articles', idField: 'slug' })]);
			await eventually(async () => {
				const coverage = (await directus.request('GET', '/ml/indexes/articles/coverage')).body.data;
				return coverage && coverage.items > 0 && coverage.documents.indexed === coverage.items;
			}, 60_000, 'demo articles indexed');
		} finally {
			await directus.stop();
		}
		const cli = (args: string[]) =>
			spawnSync(process.execPath, [join(ROOT, 'scripts', 'directus.mjs'), ...args], { cwd: ROOT, env: { ...process.env, ...env, LOG_LEVEL: 'warn' }, encoding: 'utf8', timeout: 240_000 });
		const result = cli(['ml:evaluate', 'demo-articles', '--mode', 'semantic', '--limit', '20']);
		expect(result.status, result.stderr + result.stdout).toBe(0);
		expect(result.stdout).toMatch(/demo-articles × articles · semantic .* k = 20: 36 queries/);
		expect(result.stdout).toMatch(/nDCG@10\s+0\.\d{4}/);
		expect(result.stdout).toMatch(/Recall@20\s+\d\.\d{4}/);
		const runs = cli(['ml:eval-runs', 'demo-articles']);
		expect(runs.status, runs.stderr).toBe(0);
		expect(runs.stdout).toMatch(/completed\s+demo-articles × articles\s+semantic\s+nDCG@10 0\.\d{4}/);
		const bad = cli(['ml:evaluate', 'demo-articles', '--limit', '3']);
		expect(bad.status).not.toBe(0);
		expect(bad.stderr).toMatch(/"limit": must be at least 10/);
	}, 400_000);
});
