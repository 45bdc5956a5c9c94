import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from './fakes/openai-server.js';
import { DIRECTUS_MAJOR, startDirectus, type DirectusInstance } from './support/directus.js';
import { PUBLISHED, seedEditorialWorld, WORLD_A, WORLD_B, type EditorialWorld } from './support/editorial-world.js';

/**
 * The side-channel property, end to end: two Directus databases with the same content the
 * reader may read and different content they may not (other `body` values, other draft items)
 * must give the reader identical responses: the same hits in the same order with the same
 * scores, chunk positions, fused scores, related items, RAG citations and the same prompt sent
 * to the model. Any difference is information about hidden content.
 * Item and field rules exist on Directus 11 (and licensed 12), so this runs on 11.
 *
 * Chunks are cut per content field and rank only when their field and context fields are
 * readable; hidden items are filtered before fusion (core/search, see search-side-channels.test.ts
 * for the unit-level version of this property).
 */
describe.runIf(DIRECTUS_MAJOR < 12)(`no side channels through ranking on Directus ${DIRECTUS_MAJOR}`, () => {
	const worlds: { directus: DirectusInstance; world: EditorialWorld; fake: FakeOpenAIServer }[] = [];

	beforeAll(async () => {
		for (const hidden of [WORLD_A, WORLD_B]) {
			const fake = await startFakeOpenAIServer({ apiKey: 'test', reply: () => 'From the context [1].' });
			const directus = await startDirectus({
				env: { ML_CHAT_PROVIDER: 'openai-compatible', ML_CHAT_MODEL: 'fake-chat', ML_CHAT_BASE_URL: fake.baseUrl, ML_CHAT_API_KEY_ENV: 'ML_FAKE_API_KEY', ML_FAKE_API_KEY: 'test', ML_PROVIDER_MAX_RETRIES: '0' },
			});
			worlds.push({ directus, world: await seedEditorialWorld(directus, hidden), fake });
		}
		// Same readable content, created in the same order: the published ids match.
		for (const article of PUBLISHED) expect(worlds[0]!.world.ids[article.title]).toBe(worlds[1]!.world.ids[article.title]);
	});
	afterAll(async () => {
		for (const { directus, fake } of worlds) {
			await directus.stop();
			await fake.close();
		}
	});

	/** The reader's response in each world, without timings. */
	async function inBothWorlds(method: string, path: string, body?: unknown): Promise<[unknown, unknown]> {
		const out: unknown[] = [];
		for (const { directus, world } of worlds) {
			const res = await directus.request(method, path, { body, token: world.readerToken });
			expect(res.status, `${method} ${path}: ${res.text}`).toBe(200);
			out.push(withoutTimings(res.body));
		}
		return [out[0], out[1]];
	}

	const QUERIES = [
		'discount code 9063',
		'discount code 9064',
		'loyalty programme discount code',
		'night trains sleeping cars',
		'water bears radiation tun state',
		'heat pump compressor recall',
		'sourdough gluten hydration',
	];

	it('semantic search: same hits, order, scores and chunk positions', async () => {
		for (const query of QUERIES) {
			const [a, b] = await inBothWorlds('POST', '/ml/search', { query, indexes: ['articles'], limit: 10, fields: ['title', 'summary'] });
			expect(b, `semantic "${query}"`).toEqual(a);
		}
	});

	it('hybrid search: same hits, order and fused scores', async () => {
		for (const query of QUERIES) {
			const [a, b] = await inBothWorlds('POST', '/ml/search/hybrid', { query, indexes: ['articles'], limit: 10, fields: ['title'] });
			expect(b, `hybrid "${query}"`).toEqual(a);
		}
	});

	it('related items: same items, order and scores', async () => {
		for (const article of PUBLISHED) {
			const id = worlds[0]!.world.ids[article.title];
			const [a, b] = await inBothWorlds('GET', `/ml/related/articles/${id}?limit=5`);
			expect(b, `related to "${article.title}"`).toEqual(a);
		}
	});

	it('RAG: same citations and scores, and the same prompt sent to the model', async () => {
		for (const question of ['What is the loyalty discount code?', 'Do night trains have sleeping cars?']) {
			const before = worlds.map(({ fake }) => fake.requests.length);
			const [a, b] = await inBothWorlds('POST', '/ml/ask', { question, indexes: ['articles'], mode: 'hybrid' });
			expect(b, `ask "${question}"`).toEqual(a);
			const prompts = worlds.map(({ fake }, i) => fake.requests.slice(before[i]).map((r) => r.body.messages));
			expect(prompts[0]).toHaveLength(1);
			expect(prompts[1], `prompt for "${question}"`).toEqual(prompts[0]);

			const [sa, sb] = await Promise.all(
				worlds.map(async ({ directus, world }) => (await directus.request('POST', '/ml/ask', { body: { question, indexes: ['articles'], stream: true }, token: world.readerToken })).text),
			);
			expect(withoutStreamTimings(sb ?? ''), `SSE for "${question}"`).toBe(withoutStreamTimings(sa ?? ''));
		}
	});
});

function withoutTimings(value: unknown): unknown {
	return JSON.parse(JSON.stringify(value), (key, v) => (key === 'tookMs' || key === 'latencyMs' ? undefined : v));
}

function withoutStreamTimings(text: string): string {
	return text.replace(/"latencyMs":[\d.e+-]+/g, '"latencyMs":0');
}
