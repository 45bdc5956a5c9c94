import { createDirectus, rest, staticToken } from '@directus/sdk';
import { decodeEmbedding, mlAnalyze, mlAsk, mlAskStream, mlEmbed, mlIndexes, mlRelated, mlSearch, mlSimilarity, type RagStreamEvent } from 'directus-extension-ml-suite/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollection, eventually } from './support/content.js';
import { DIRECTUS_MAJOR, startDirectus, type DirectusInstance } from './support/directus.js';

/**
 * What a content app uses: the typed @directus/sdk commands shipped as
 * `directus-extension-ml-suite/sdk` (imported from the built package, through its exports map),
 * and Directus's own GraphQL for the results the suite stores as ordinary collections.
 */
const NOTES = [
	{ title: 'Sourdough hydration', body: 'Sourdough bread dough with high hydration needs strong gluten, long fermentation and careful shaping of the wet loaf.' },
	{ title: 'Night trains', body: 'Night trains across Europe carry sleeping cars and couchettes between capitals overnight.' },
];
/** In a collection the reader has no access to. */
const STAFF_NOTE = { title: 'Tardigrade embargo', body: 'Tardigrades survive desiccation, radiation and the vacuum of space in a dormant tun state.' };
/** Item and field rules (a licensed feature on Directus 12, refused on the Core license this harness runs) are exercised on Directus 11. */
const RULES = DIRECTUS_MAJOR < 12;

describe('content apps: @directus/sdk commands and GraphQL', () => {
	let directus: DirectusInstance;
	let readerToken: string;
	const ids: Record<string, string> = {};
	const client = (token: string) => createDirectus(directus.url).with(staticToken(token)).with(rest());

	beforeAll(async () => {
		directus = await startDirectus();
		for (const collection of ['notes', 'staff_notes']) {
			await createCollection(directus, collection, { title: 'string', body: 'text' });
			const index = await directus.request('POST', '/items/ml_indexes', { body: { name: collection, label: collection, collection, title_field: 'title', content_fields: ['body'] } });
			expect(index.status, index.text).toBe(200);
		}
		for (const [collection, note] of [...NOTES.map((n) => ['notes', n] as const), ['staff_notes', STAFF_NOTE] as const]) {
			const res = await directus.request('POST', `/items/${collection}`, { body: note });
			expect(res.status, res.text).toBe(200);
			ids[note.title] = String(res.body.data.id);
		}
		readerToken = await directus.createUser({
			email: 'sdk-reader@example.com',
			permissions: [
				{ collection: 'notes', action: 'read' },
				{ collection: 'ml_models', action: 'read' },
				RULES
					? { collection: 'ml_documents', action: 'read', fields: ['id', 'item', 'status', 'chunk_count'], permissions: { collection: { _eq: 'notes' } } }
					: { collection: 'ml_documents', action: 'read' },
				RULES
					? { collection: 'ml_usage', action: 'read', fields: ['id', 'source', 'capability', 'model', 'input_tokens'], permissions: { user: { _eq: '$CURRENT_USER' } } }
					: { collection: 'ml_usage', action: 'read' },
			],
		});
		for (const name of ['notes', 'staff_notes']) {
			const expected = name === 'notes' ? NOTES.length : 1;
			await eventually(async () => (await directus.request('GET', `/ml/indexes/${name}/coverage`)).body.data?.documents.indexed === expected, 60_000, `${name} indexed`);
		}
	});
	afterAll(async () => {
		await directus?.stop();
	});

	it('mlSearch returns typed hits, only of items the caller may read', async () => {
		const hits = await client(readerToken).request(mlSearch({ query: 'tardigrades radiation vacuum', limit: 5 }));
		expect(hits.map((h) => h.collection)).not.toContain('staff_notes');
		const admin = await client(directus.adminToken).request(mlSearch({ query: 'tardigrades radiation vacuum', limit: 5 }));
		expect(admin[0]).toMatchObject({ collection: 'staff_notes', item: ids['Tardigrade embargo'] });
		const bread = await client(readerToken).request(mlSearch({ query: 'sourdough gluten', indexes: ['notes'], fields: ['title'] }));
		expect(bread[0]).toMatchObject({ item: ids['Sourdough hydration'], collection: 'notes', title: 'Sourdough hydration', data: { title: 'Sourdough hydration' } });
	});

	it('bad input rejects with the Directus error body, as the SDK does for its own commands', async () => {
		const failure = await client(readerToken).request(mlSearch({ query: '   ' })).then(
			() => null,
			(error: { errors: { message: string; extensions: { code: string } }[]; response: Response }) => error,
		);
		expect(failure?.response.status).toBe(400);
		expect(failure?.errors[0]?.message).toMatch(/query/);
	});

	it('mlIndexes and mlRelated', async () => {
		const indexes = await client(readerToken).request(mlIndexes());
		expect(indexes).toEqual([expect.objectContaining({ name: 'notes', collection: 'notes' })]);
		const related = await client(directus.adminToken).request(mlRelated('notes', ids['Sourdough hydration'] ?? '', { limit: 2 }));
		expect(related.map((h) => h.item)).not.toContain(ids['Sourdough hydration']);
		expect(related.length).toBeGreaterThan(0);
	});

	it('mlAsk answers with citations of readable items', async () => {
		const answer = await client(readerToken).request(mlAsk({ question: 'What do night trains carry?', extractive: true }));
		expect(answer.mode).toBe('extractive');
		expect(answer.answer).toMatch(/sleeping cars|couchettes/);
		expect(answer.citations.map((c) => c.item)).toContain(ids['Night trains']);
		expect(answer.citations.map((c) => c.collection)).not.toContain('staff_notes');
	});

	it('mlAskStream yields the streamed events in order and ends with done', async () => {
		const events: RagStreamEvent[] = [];
		for await (const event of mlAskStream(client(readerToken), { question: 'How is sourdough shaped?', indexes: ['notes'], extractive: true })) events.push(event);
		const types = events.map((e) => e.type);
		expect(types.at(-1)).toBe('done');
		expect(types.indexOf('citations')).toBeGreaterThan(types.lastIndexOf('token'));
		const text = events.flatMap((e) => (e.type === 'token' ? [e.text] : [])).join('');
		expect(text).toMatch(/loaf|gluten|fermentation/);
	});

	it('mlAskStream surfaces a refusal before streaming as an error with the route message', async () => {
		const run = async () => {
			for await (const event of mlAskStream(client(readerToken), { question: 'x', indexes: ['staff_notes'] })) void event;
		};
		await expect(run()).rejects.toMatchObject({ name: 'MlRequestError', status: 403, message: expect.stringContaining('staff_notes') });
	});

	it('mlEmbed in base64 decodes to the same vector as floats; mlSimilarity and mlAnalyze', async () => {
		const c = client(readerToken);
		const floats = await c.request(mlEmbed({ text: 'headless CMS' }));
		const packed = await c.request(mlEmbed({ text: 'headless CMS', encoding_format: 'base64' }));
		expect(typeof packed.embedding).toBe('string');
		const decoded = Array.from(decodeEmbedding(packed.embedding));
		expect(decoded).toHaveLength(floats.dimensions);
		decoded.forEach((x, i) => expect(x).toBeCloseTo((floats.embedding as number[])[i] ?? NaN, 6));
		const close = await c.request(mlSimilarity({ text1: 'the cat sat on the mat', text2: 'a cat sitting on a mat' }));
		const far = await c.request(mlSimilarity({ text1: 'the cat sat on the mat', text2: 'quarterly revenue forecast' }));
		expect(close.similarity).toBeGreaterThan(far.similarity);
		const sentiment = await c.request(mlAnalyze('sentiment', { text: 'I love this wonderful, delightful product.' }));
		expect(sentiment).toMatchObject({ sentiment: 'positive', engine: 'local' });
	});

	describe('GraphQL: stored results as ordinary collections, as a restricted user', () => {
		const graphql = async (query: string, token: string) => directus.request('POST', '/graphql', { token, body: { query } });

		it('index coverage (ml_documents) through /graphql, limited to what the policy allows', async () => {
			const res = await graphql('{ ml_documents { item status chunk_count } }', readerToken);
			expect(res.status, res.text).toBe(200);
			const rows = res.body.data.ml_documents as { item: string; status: string }[];
			const notes = NOTES.map((n) => ids[n.title]);
			expect(rows.map((r) => r.item)).toEqual(expect.arrayContaining(notes));
			expect(rows.every((r) => r.status === 'indexed')).toBe(true);
			if (RULES) {
				// Only the rows and fields the policy allows.
				expect(rows.map((r) => r.item).sort()).toEqual([...notes].sort());
				const denied = await graphql('{ ml_documents { error } }', readerToken);
				expect(JSON.stringify(denied.body.errors)).toMatch(/error/);
			}
		});

		it(RULES ? 'usage (ml_usage) through /graphql shows the caller only their own calls' : 'usage (ml_usage) through /graphql', async () => {
			await client(readerToken).request(mlEmbed({ text: 'usage attributed to the reader' }));
			await client(readerToken).request(mlAnalyze('keywords', { text: 'Usage rows name the route that made the call.' }));
			// Only the admin ever calls the batch route in this file.
			await directus.request('POST', '/ml/embeddings/batch', { body: { texts: ['usage attributed to the admin'] } });
			const sources = async (token: string) => {
				const res = await graphql('{ ml_usage(limit: -1) { source capability } }', token);
				expect(res.status, res.text).toBe(200);
				return (res.body.data.ml_usage as { source: string }[]).map((r) => r.source);
			};
			await eventually(async () => (await sources(directus.adminToken)).includes('route:POST /ml/embeddings/batch'), 30_000, 'admin usage row');
			const mine = await eventually(async () => {
				const list = await sources(readerToken);
				expect(list, JSON.stringify(list)).toEqual(expect.arrayContaining(['route:POST /ml/embeddings/generate', expect.stringMatching(/^route:POST \/ml\/analysis\/keywords\b/)]));
				return list;
			}, 30_000, 'reader usage rows');
			if (RULES) expect(mine).not.toContain('route:POST /ml/embeddings/batch');
		});

		it('suite collections the caller has no policy for are not in their GraphQL schema', async () => {
			const res = await graphql('{ ml_enrichments { id } staff_notes { id } }', readerToken);
			expect(JSON.stringify(res.body.errors)).toMatch(/Cannot query field \\"ml_enrichments\\"/);
		});
	});
});
