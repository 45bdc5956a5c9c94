import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/content.js';
import { startDirectus, type DirectusInstance } from './support/directus.js';

/** The SynthStack-compatible part of the /ml API (paths, field names, defaults). */
describe('SynthStack-compatible routes', () => {
	let directus: DirectusInstance;

	beforeAll(async () => {
		directus = await startDirectus();
	});
	afterAll(async () => {
		await directus?.stop();
	});

	describe('embeddings', () => {
		it('generates one embedding with the default local model', async () => {
			const res = await directus.request('POST', '/ml/embeddings/generate', { body: { text: 'Directus is a headless CMS' } });
			expect(res.status, res.text).toBe(200);
			expect(res.body.model).toBe('local-hash-384');
			expect(res.body.dimensions).toBe(384);
			expect(res.body.embedding).toHaveLength(384);
			const norm = Math.sqrt(res.body.embedding.reduce((s: number, x: number) => s + x * x, 0));
			expect(norm).toBeCloseTo(1, 5);
		});

		it('batches keep one vector per input, in order, including duplicates', async () => {
			const texts = ['alpha particle', 'beta decay', 'alpha particle', 'gamma ray burst'];
			const batch = await directus.request('POST', '/ml/embeddings/batch', { body: { texts } });
			expect(batch.status).toBe(200);
			expect(batch.body.count).toBe(4);
			expect(batch.body.embeddings).toHaveLength(4);
			expect(batch.body.embeddings[0]).toEqual(batch.body.embeddings[2]);
			const single = await directus.request('POST', '/ml/embeddings/generate', { body: { text: 'gamma ray burst' } });
			expect(batch.body.embeddings[3]).toEqual(single.body.embedding);
		});

		it('scores similarity higher for related texts', async () => {
			const close = await directus.request('POST', '/ml/embeddings/similarity', { body: { text1: 'the cat sat on the mat', text2: 'a cat sitting on a mat' } });
			const far = await directus.request('POST', '/ml/embeddings/similarity', { body: { text1: 'the cat sat on the mat', text2: 'quarterly revenue forecast spreadsheet' } });
			expect(close.body.model).toBe('local-hash-384');
			expect(close.body.similarity).toBeGreaterThan(far.body.similarity);
			expect(close.body.similarity).toBeLessThanOrEqual(1);
		});

		it('lists the registry models', async () => {
			const res = await directus.request('GET', '/ml/embeddings/models');
			expect(res.status).toBe(200);
			expect(res.body.models).toEqual([expect.objectContaining({ id: 'local-hash-384', dimensions: 384, provider: 'local' })]);
			expect(res.body.models[0].maxTokens).toBeGreaterThan(0);
		});

		it('rejects bad input with 4xx naming the field', async () => {
			const cases: [string, unknown, number, RegExp][] = [
				['/ml/embeddings/generate', { text: '' }, 400, /text/],
				['/ml/embeddings/generate', { text: '   ' }, 400, /text/],
				['/ml/embeddings/generate', { text: 12 }, 400, /text/],
				['/ml/embeddings/generate', {}, 400, /text/],
				['/ml/embeddings/generate', { text: 'x', model: 'no-such-model' }, 404, /no-such-model/],
				['/ml/embeddings/generate', { text: 'word '.repeat(40_000) }, 413, /token/i],
				['/ml/embeddings/batch', { texts: [] }, 400, /texts/],
				['/ml/embeddings/batch', { texts: ['ok', ''] }, 400, /texts\.1/],
				['/ml/embeddings/batch', { texts: Array.from({ length: 101 }, (_, i) => `t${i}`) }, 400, /100/],
				['/ml/embeddings/similarity', { text1: 'a' }, 400, /text2/],
			];
			for (const [path, body, status, message] of cases) {
				const res = await directus.request('POST', path, { body });
				expect(res.status, `${path} ${JSON.stringify(body).slice(0, 80)}`).toBe(status);
				expect(res.body.errors[0].message).toMatch(message);
			}
		});

		it('records usage rows for provider calls', async () => {
			const rows = await eventually(async () => {
				const res = await directus.request('GET', '/items/ml_usage?filter[source][_eq]=route:POST%20/ml/embeddings/batch&limit=5');
				return res.body.data?.length ? res.body.data : null;
			}, 10_000, 'usage rows');
			expect(rows[0]).toMatchObject({ capability: 'embedding', provider: 'local', model: 'local-hash-384', status: 'success', source_type: 'route' });
			expect(rows[0].input_tokens).toBeGreaterThan(0);
		});
	});

	describe('document RAG', () => {
		it('indexes documents and searches them by collection with SynthStack field names', async () => {
			const a = await directus.request('POST', '/ml/rag/index', {
				body: { content: 'The billing service retries failed card payments three times over five days before cancelling.', source: 'billing.md', sourceType: 'doc', metadata: { team: 'payments' }, collection: 'handbook' },
			});
			expect(a.status, a.text).toBe(200);
			expect(a.body).toMatchObject({ source: 'billing.md', collection: 'handbook' });
			expect(a.body.documentId).toBeTruthy();
			await directus.request('POST', '/ml/rag/index', { body: { content: 'Holiday requests go to your manager at least two weeks ahead.', source: 'hr.md', collection: 'handbook', sourceType: 'policy' } });
			await directus.request('POST', '/ml/rag/index', { body: { content: 'Card payments failing? Check the billing retry schedule.', source: 'other.md', collection: 'elsewhere' } });

			const res = await directus.request('POST', '/ml/rag/search', { body: { query: 'how often are failed card payments retried', collection: 'handbook', minScore: 0 } });
			expect(res.status, res.text).toBe(200);
			expect(res.body.totalFound).toBe(res.body.results.length);
			expect(res.body.results[0]).toMatchObject({ source: 'billing.md', sourceType: 'doc' });
			expect(res.body.results[0].content).toContain('retries failed card payments');
			expect(res.body.results[0].metadata.team).toBe('payments');
			expect(res.body.results.every((r: any) => r.source !== 'other.md')).toBe(true);

			const typed = await directus.request('POST', '/ml/rag/search', { body: { query: 'card payments', collection: 'handbook', minScore: -1, sourceTypes: ['policy'] } });
			expect(typed.body.results.map((r: any) => r.source)).toEqual(['hr.md']);

			// No minScore: rank-based (hybrid by default), so the local model's low cosine scores do not empty the answer.
			const plain = await directus.request('POST', '/ml/rag/search', { body: { query: 'how often are failed card payments retried', collection: 'handbook' } });
			expect(plain.body.results[0]).toMatchObject({ source: 'billing.md' });
			// Fused scores read as 0..1 (the weakest semantic-only candidate may score 0).
			expect(plain.body.results[0].relevanceScore).toBeGreaterThan(0);
			expect(plain.body.results.every((r: any) => r.relevanceScore >= 0 && r.relevanceScore <= 1)).toBe(true);
			// Semantic alone, no minScore: every handbook document comes back ranked, the unrelated one
			// included (its cosine with the query is far below any fixed default such as the old 0.5).
			const semantic = await directus.request('POST', '/ml/rag/search', { body: { query: 'how often are failed card payments retried', collection: 'handbook', mode: 'semantic' } });
			expect(semantic.status, semantic.text).toBe(200);
			expect(semantic.body.results.map((r: any) => r.source)).toEqual(['billing.md', 'hr.md']);
			expect(semantic.body.results[1].relevanceScore).toBeLessThan(0.5);
			// A minScore still bounds the semantic side.
			const strict = await directus.request('POST', '/ml/rag/search', { body: { query: 'zebra crossing', collection: 'handbook', minScore: 0.99, mode: 'semantic' } });
			expect(strict.body.results).toEqual([]);
		});

		it('indexes project documents with their own chunking and replaces them on resend', async () => {
			const content = Array.from({ length: 30 }, (_, i) => `Paragraph ${i} explains module ${i} of the deployment pipeline in some detail.`).join('\n\n');
			const first = await directus.request('POST', '/ml/rag/index-project-document', {
				body: { documentId: 'doc-1', projectId: '42', filename: 'pipeline.md', content, fileType: 'markdown', chunkSize: 200, chunkOverlap: 20 },
			});
			expect(first.status, first.text).toBe(200);
			expect(first.body.collection).toBe('project_42');
			expect(first.body.chunksCreated).toBeGreaterThan(5);
			const again = await directus.request('POST', '/ml/rag/index-project-document', {
				body: { documentId: 'doc-1', projectId: '42', filename: 'pipeline.md', content: 'Short replacement text.', fileType: 'markdown' },
			});
			expect(again.body.chunksCreated).toBe(1);
			const stats = await directus.request('GET', '/ml/rag/stats');
			expect(stats.body.collections.project_42).toMatchObject({ vectorsCount: 1, pointsCount: 1, documentsCount: 1 });
			const bad = await directus.request('POST', '/ml/rag/index-project-document', { body: { documentId: 'd', projectId: 'p', filename: 'f', content: 'c', fileType: 't', chunkSize: 50 } });
			expect(bad.status).toBe(400);
			expect(bad.body.errors[0].message).toMatch(/chunkSize/);
		});

		it('lists and deletes collections', async () => {
			const list = await directus.request('GET', '/ml/rag/collections');
			expect(list.body.collections).toEqual(expect.arrayContaining(['handbook', 'elsewhere', 'project_42']));
			const stats = await directus.request('GET', '/ml/rag/stats');
			expect(stats.body.totalCollections).toBe(list.body.collections.length);
			expect(stats.body.collections.handbook.vectorsCount).toBe(2);
			const del = await directus.request('DELETE', '/ml/rag/collections/handbook');
			expect(del.status).toBe(200);
			expect(del.body.message).toContain('handbook');
			const after = await directus.request('GET', '/ml/rag/collections');
			expect(after.body.collections).not.toContain('handbook');
			const search = await directus.request('POST', '/ml/rag/search', { body: { query: 'failed card payments', minScore: 0 } });
			expect(search.body.results.map((r: any) => r.source)).not.toContain('billing.md');
			expect((await directus.request('DELETE', '/ml/rag/collections/handbook')).status).toBe(403);
		});

		it('keeps RAG documents behind Directus permissions', async () => {
			const token = await directus.createUser({ email: 'rag-outsider@example.com', permissions: [] });
			const res = await directus.request('POST', '/ml/rag/search', { body: { query: 'deployment pipeline', minScore: 0 }, token });
			expect(res.status).toBe(403);
			const index = await directus.request('POST', '/ml/rag/index', { body: { content: 'x', source: 'y' }, token });
			expect(index.status).toBe(403);
			expect((await directus.request('GET', '/ml/rag/collections', { token })).body.collections).toEqual([]);
		});
	});

	it('exposes Prometheus metrics to admins', async () => {
		const res = await directus.request('GET', '/ml/metrics');
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toContain('text/plain');
		expect(res.text).toMatch(/^# TYPE ml_queue_jobs gauge$/m);
		expect(res.text).toMatch(/^ml_index_documents\{index="rag-documents",status="indexed"\} \d+$/m);
		const calls = /^ml_provider_calls_total\{capability="embedding",provider="local",model="local-hash-384",status="success"\} (\d+)$/m.exec(res.text);
		expect(Number(calls?.[1])).toBeGreaterThan(0);
		const token = await directus.createUser({ email: 'metrics-reader@example.com', permissions: [] });
		expect((await directus.request('GET', '/ml/metrics', { token })).status).toBe(403);
	});

	it('publishes the OpenAPI document of the whole surface', async () => {
		const res = await directus.request('GET', '/ml/openapi.json');
		expect(res.status).toBe(200);
		expect(res.body.openapi).toMatch(/^3\./);
		for (const path of ['/ml/embeddings/generate', '/ml/rag/search', '/ml/search', '/ml/health']) expect(res.body.paths[path], path).toBeDefined();
		expect(res.body.paths['/ml/embeddings/generate'].post.requestBody.content['application/json'].schema.properties.text).toBeDefined();
		expect((await directus.request('GET', '/ml/openapi.json', { token: null })).status).toBe(401);
	});
});
