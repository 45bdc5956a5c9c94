import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from './fakes/openai-server.js';
import { DIRECTUS_MAJOR, startDirectus, type DirectusInstance } from './support/directus.js';
import { expectNoHiddenContent, PUBLISHED, RAG_DOCS, seedEditorialWorld, WORLD_A, type EditorialWorld } from './support/editorial-world.js';

/**
 * Item- and field-level rules end to end, with real Directus policies. Directus 11 has them on
 * every project; Directus 12 only with a license (Core refuses them), so this runs on 11.
 * The reader may read `articles` only where status = published, and every field but `body`.
 */
describe.runIf(DIRECTUS_MAJOR < 12)(`item- and field-level permissions on Directus ${DIRECTUS_MAJOR}`, () => {
	let directus: DirectusInstance;
	let world: EditorialWorld;
	let fake: FakeOpenAIServer;
	const publishedTitles = PUBLISHED.map((a) => a.title);

	const chatPrompts = (): string[] => fake.requests.filter((r) => r.path === '/v1/chat/completions').map((r) => JSON.stringify(r.body.messages));

	beforeAll(async () => {
		fake = await startFakeOpenAIServer({ apiKey: 'test', reply: () => 'Based on the context [1].' });
		directus = await startDirectus({
			env: { ML_CHAT_PROVIDER: 'openai-compatible', ML_CHAT_MODEL: 'fake-chat', ML_CHAT_BASE_URL: fake.baseUrl, ML_CHAT_API_KEY_ENV: 'ML_FAKE_API_KEY', ML_FAKE_API_KEY: 'test', ML_PROVIDER_MAX_RETRIES: '0' },
		});
		world = await seedEditorialWorld(directus, WORLD_A);
	});
	afterAll(async () => {
		await directus?.stop();
		await fake?.close();
	});

	it('Directus itself enforces the rules for the reader (the baseline the suite must match)', async () => {
		const res = await directus.request('GET', '/items/articles?fields=*&limit=-1', { token: world.readerToken });
		expect(res.status, res.text).toBe(200);
		expect(res.body.data.map((a: any) => a.title).sort()).toEqual([...publishedTitles].sort());
		expect(Object.keys(res.body.data[0]).sort()).toEqual(['id', 'status', 'summary', 'title']);
	});

	it('search (semantic and hybrid) returns only published items and no text from body', async () => {
		for (const path of ['/ml/search', '/ml/search/hybrid']) {
			for (const query of ['discount code 9063 for loyalty members', 'heat pump compressor recall embargo', 'water bears radiation']) {
				const res = await directus.request('POST', path, { body: { query, indexes: ['articles'], limit: 20, fields: ['title', 'body', 'summary', 'status'] }, token: world.readerToken });
				expect(res.status, res.text).toBe(200);
				expect(res.body.data.length).toBeGreaterThan(0);
				for (const hit of res.body.data) {
					expect(publishedTitles).toContain(hit.title);
					expect(hit.data).not.toHaveProperty('body');
					expect(hit.data.status).toBe('published');
				}
				expectNoHiddenContent(res.body, `${path} "${query}"`);
			}
		}
		// The admin sees drafts and bodies: the markers are really in the index.
		const admin = await directus.request('POST', '/ml/search', { body: { query: 'discount code 9063 for loyalty members', indexes: ['articles'], limit: 20 } });
		expect(JSON.stringify(admin.body)).toContain('DRAFTONLY');
	});

	it('RAG sends the model only readable passages, and cites only readable items (JSON and SSE)', async () => {
		const before = chatPrompts().length;
		// The questions name nothing hidden; the hidden body and drafts match them best.
		const res = await directus.request('POST', '/ml/ask', { body: { question: 'Which code do loyalty members get?', indexes: ['articles'] }, token: world.readerToken });
		expect(res.status, res.text).toBe(200);
		expect(res.body.data.mode).toBe('generative');
		for (const citation of res.body.data.citations) expect(publishedTitles).toContain(citation.title);
		expectNoHiddenContent(res.body, '/ml/ask');
		const prompts = chatPrompts().slice(before);
		expect(prompts).toHaveLength(1);
		expectNoHiddenContent(prompts[0], 'the prompt sent to the chat model');
		expect(prompts[0]).toContain('Loyalty programme');

		const stream = await directus.request('POST', '/ml/ask', { body: { question: 'Is there a heat pump compressor recall?', indexes: ['articles'], stream: true }, token: world.readerToken });
		expect(stream.status).toBe(200);
		expect(stream.text).toContain('event: done');
		expectNoHiddenContent(stream.text, 'the SSE stream of /ml/ask');
		expectNoHiddenContent(chatPrompts().slice(before), 'the prompts sent to the chat model');
	});

	it('does not call the model when no readable passage remains, and says so', async () => {
		const before = chatPrompts().length;
		// Only drafts match this filter: the reader can read none of them.
		const res = await directus.request('POST', '/ml/ask', { body: { question: 'What is the loyalty discount code?', indexes: ['articles'], filter: { status: { _eq: 'draft' } } }, token: world.readerToken });
		expect(res.status, res.text).toBe(200);
		expect(res.body.data).toMatchObject({ mode: 'extractive', citations: [], retrieved: 0, model: null });
		expect(res.body.data.notices.join(' ')).toMatch(/No indexed passage you can read matched the question, so no model was called/);
		expect(res.body.data.notices.join(' ')).not.toMatch(/Used 0 of/);
		expect(chatPrompts().length).toBe(before);
		// The admin reads drafts: the same request reaches the model.
		const admin = await directus.request('POST', '/ml/ask', { body: { question: 'What is the loyalty discount code?', indexes: ['articles'], filter: { status: { _eq: 'draft' } } } });
		expect(admin.body.data.mode).toBe('generative');
		expect(chatPrompts().length).toBe(before + 1);
	});

	it('related items never include hidden items, and a hidden item answers like a missing one', async () => {
		const res = await directus.request('GET', `/ml/related/articles/${world.ids['Loyalty programme']}?limit=20&fields=title,body`, { token: world.readerToken });
		expect(res.status, res.text).toBe(200);
		for (const hit of res.body.data) expect(publishedTitles).toContain(hit.title);
		expectNoHiddenContent(res.body, '/ml/related');

		const draft = await directus.request('GET', `/ml/related/articles/${world.ids['DRAFTONLY loyalty discount code']}`, { token: world.readerToken });
		const missing = await directus.request('GET', '/ml/related/articles/999999', { token: world.readerToken });
		expect(draft.status).toBe(403);
		expect(missing.status).toBe(403);
		expect(draft.body.errors[0].extensions.code).toBe('FORBIDDEN');
		expect(draft.body.errors[0].message.replace(world.ids['DRAFTONLY loyalty discount code']!, 'X')).toBe(missing.body.errors[0].message.replace('999999', 'X'));
		// Directus's own answer for the same draft and missing item is the same status.
		expect((await directus.request('GET', `/items/articles/${world.ids['DRAFTONLY loyalty discount code']}`, { token: world.readerToken })).status).toBe(403);
		expect((await directus.request('GET', '/items/articles/999999', { token: world.readerToken })).status).toBe(403);
	});

	it('an unknown index and an index over an unreadable collection get the same answer', async () => {
		const unknown = await directus.request('POST', '/ml/search', { body: { query: 'vault', indexes: ['nope'] }, token: world.readerToken });
		const hidden = await directus.request('POST', '/ml/search', { body: { query: 'vault', indexes: ['secrets'] }, token: world.readerToken });
		expect(unknown.status).toBe(403);
		expect(hidden.status).toBe(403);
		expect(hidden.body.errors[0].extensions.code).toBe(unknown.body.errors[0].extensions.code);
		expect(hidden.body.errors[0].message.replace('secrets', 'X')).toBe(unknown.body.errors[0].message.replace('nope', 'X'));
		for (const path of ['/ml/related/secrets/1', '/ml/related/nope/1']) expect((await directus.request('GET', path, { token: world.readerToken })).status).toBe(403);
		const ask = await directus.request('POST', '/ml/ask', { body: { question: 'vault code?', indexes: ['secrets'] }, token: world.readerToken });
		expect(ask.status).toBe(403);
		const listed = await directus.request('GET', '/ml/indexes', { token: world.readerToken });
		expect(listed.body.data.map((i: any) => i.name)).not.toContain('secrets');
	});

	it('RAG document counts, collections and search go through the reader\'s item rules', async () => {
		const stats = await directus.request('GET', '/ml/rag/stats', { token: world.readerToken });
		expect(stats.status, stats.text).toBe(200);
		const publicDocs = RAG_DOCS.filter((d) => d.collection === 'public').length;
		expect(stats.body).toMatchObject({ totalCollections: 1, collections: { public: { documentsCount: publicDocs } } });
		expect(stats.body.collections.public.vectorsCount).toBeGreaterThanOrEqual(publicDocs);
		expect(stats.body.collections).not.toHaveProperty('internal');
		const admin = await directus.request('GET', '/ml/rag/stats');
		expect(admin.body.totalCollections).toBe(2);

		const collections = await directus.request('GET', '/ml/rag/collections', { token: world.readerToken });
		expect(collections.body.collections).toEqual(['public']);
		const search = await directus.request('POST', '/ml/rag/search', { body: { query: 'returns refunds margins discount code', minScore: 0, limit: 10 }, token: world.readerToken });
		expect(search.status, search.text).toBe(200);
		expect(search.body.results.map((r: any) => r.source).sort()).toEqual(['returns.md', 'shipping.md']);
		expectNoHiddenContent(search.body, '/ml/rag/search');
		const named = await directus.request('POST', '/ml/rag/search', { body: { query: 'margins', collection: 'internal', minScore: 0 }, token: world.readerToken });
		expect(named.body.results).toEqual([]);
		const del = await directus.request('DELETE', '/ml/rag/collections/internal', { token: world.readerToken });
		const delMissing = await directus.request('DELETE', '/ml/rag/collections/no-such', { token: world.readerToken });
		expect(del.status).toBe(403);
		expect(delMissing.status).toBe(403);
	});
});
