import { describe, expect, it } from 'vitest';
import { startFakeQdrant } from '../../../../../test/fakes/qdrant-server.js';
import { qdrantPointId } from './qdrant-point-id.js';
import { QdrantVectorStore } from './qdrant-vector-store.js';
import { conformanceSubject, describeVectorStoreConformance } from './vector-store.conformance.js';

describeVectorStoreConformance('qdrant (fake REST server, real client)', async () => {
	const server = await startFakeQdrant();
	return conformanceSubject(new QdrantVectorStore({ url: server.url, collectionPrefix: 'conf_' }), () => server.close());
});

describe('QdrantVectorStore specifics', () => {
	it('derives stable, distinct UUIDs from namespace and record id', () => {
		const id = qdrantPointId('docs', 'articles:12:0');
		expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
		expect(qdrantPointId('docs', 'articles:12:0')).toBe(id);
		expect(qdrantPointId('docs', 'articles:12:1')).not.toBe(id);
		expect(qdrantPointId('other', 'articles:12:0')).not.toBe(id);
	});

	it('creates a cosine collection with payload indexes and writes with wait=true', async () => {
		const server = await startFakeQdrant();
		try {
			const store = new QdrantVectorStore({ url: server.url });
			await store.ensureNamespace('docs', 3);
			await store.upsert('docs', [{ id: 'a:0', itemKey: 'a', chunkIndex: 0, vector: [1, 0, 0], content: 'A', metadata: { lang: 'en' } }]);
			await store.deleteChunksFrom('docs', 'a', 1);
			const create = server.requests.find((r) => r.method === 'PUT' && r.path === '/collections/ml_docs');
			expect(create?.body).toMatchObject({ vectors: { size: 3, distance: 'Cosine' } });
			const indexes = server.requests.filter((r) => r.path === '/collections/ml_docs/index').map((r) => r.body);
			expect(indexes).toEqual(expect.arrayContaining([expect.objectContaining({ field_name: 'item_key', field_schema: 'keyword' })]));
			const upsert = server.requests.find((r) => r.method === 'PUT' && r.path === '/collections/ml_docs/points');
			expect(upsert?.query.get('wait')).toBe('true');
			expect(upsert?.body).toMatchObject({ points: [{ id: qdrantPointId('docs', 'a:0'), payload: { id: 'a:0', item_key: 'a', chunk_index: 0, content: 'A', metadata: { lang: 'en' } } }] });
			const del = server.requests.find((r) => r.path === '/collections/ml_docs/points/delete');
			expect(del?.query.get('wait')).toBe('true');
			expect(await store.count('docs')).toBe(1);
		} finally {
			await server.close();
		}
	});

	it('sends the API key and reports failures as retryable errors with their cause', async () => {
		const server = await startFakeQdrant({ apiKey: 'secret' });
		try {
			const good = new QdrantVectorStore({ url: server.url, apiKey: 'secret' });
			await expect(good.health()).resolves.toEqual({ ok: true });
			const bad = new QdrantVectorStore({ url: server.url, apiKey: 'wrong' });
			expect((await bad.health()).ok).toBe(false);
			await expect(bad.count('docs')).rejects.toMatchObject({ code: 'VECTOR_STORE_ERROR', retryable: false, cause: expect.anything() });
		} finally {
			await server.close();
		}
		const down = new QdrantVectorStore({ url: server.url });
		await expect(down.count('docs')).rejects.toMatchObject({ code: 'VECTOR_STORE_ERROR', retryable: true });
	});
});
