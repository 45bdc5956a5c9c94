import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from './fakes/openai-server.js';
import { createCollection, eventually } from './support/content.js';
import { startDirectus, type DirectusInstance } from './support/directus.js';
import { skipUnless } from './support/services.js';

/** A search body whose filter is nested `depth` deep, as JSON text (too deep for JSON.stringify in the test process). */
function deeplyNestedSearch(depth: number): string {
	return `{"query":"x","filter":${'{"_and":['.repeat(depth)}{"title":{"_eq":"x"}}${']}'.repeat(depth)}}`;
}

/**
 * Issue 14 through HTTP on a real Directus: the interactive deadline against a hung
 * OpenAI-compatible provider, who may spend on models, and inputs that used to give 500s.
 */
function describeReliability(database: 'sqlite' | 'postgres', skip: boolean): void {
	describe.skipIf(skip)(`reliability of the /ml routes (${database})`, () => {
		let directus: DirectusInstance;
		let provider: FakeOpenAIServer;
		let noPolicy: string;

		beforeAll(async () => {
			provider = await startFakeOpenAIServer({ dimensions: 16 });
			directus = await startDirectus({
				database,
				env: {
					ML_EMBEDDING_PROVIDER: 'openai-compatible',
					ML_EMBEDDING_BASE_URL: provider.baseUrl,
					ML_EMBEDDING_MODEL: 'fake-embed',
					ML_EMBEDDING_DIMENSIONS: '16',
					ML_CHAT_PROVIDER: 'openai-compatible',
					ML_CHAT_BASE_URL: provider.baseUrl,
					ML_CHAT_MODEL: 'fake-chat',
					// Jobs would wait a minute per attempt; a person gets 1 s per attempt, one retry, 3 s in all.
					ML_PROVIDER_TIMEOUT_MS: '60000',
					ML_INTERACTIVE_TIMEOUT_MS: '1000',
					ML_INTERACTIVE_MAX_RETRIES: '1',
					ML_INTERACTIVE_DEADLINE_MS: '3000',
					// Small enough to reach in a test; every test's user stays well below it.
					ML_RATE_LIMIT_REQUESTS: '30',
					ML_RATE_LIMIT_WINDOW_SECONDS: '600',
				},
			});
			noPolicy = await directus.createUser({ email: `no-policy-${database}@example.com`, permissions: [] });
		});
		afterAll(async () => {
			await directus?.stop();
			await provider?.close();
		});

		it('a hung provider fails a person fast with 504 after the interactive budget, not the patient job budget', async () => {
			provider.requests.length = 0;
			provider.script(...Array.from({ length: 6 }, () => ({ kind: 'delay' as const, ms: 120_000 })));
			const res = await directus.request('POST', '/ml/embeddings/generate', { body: { text: 'is anyone there?' } });
			expect(res.status, res.text).toBe(504);
			expect(res.body.errors[0].extensions.code).toMatch(/^(PROVIDER_TIMEOUT|DEADLINE_EXCEEDED)$/);
			// One attempt and one retry at most, never the five attempts of a job.
			expect(provider.requests.length).toBeGreaterThanOrEqual(1);
			expect(provider.requests.length).toBeLessThanOrEqual(2);
			provider.clearScript();
		});

		it('a user whose role has no policy cannot spend on models; read access to ml_models allows it', async () => {
			const asNobody = [
				['/ml/embeddings/batch', { texts: Array.from({ length: 100 }, () => 'x'.repeat(1000)) }],
				['/ml/embeddings/generate', { text: 'hello' }],
				['/ml/chat/completions', { messages: [{ role: 'user', content: 'hi' }], max_tokens: 4000 }],
				['/ml/generation/text', { prompt: 'Write a novel', max_tokens: 4000 }],
			] as const;
			provider.requests.length = 0;
			for (const [path, body] of asNobody) {
				const res = await directus.request('POST', path, { body, token: noPolicy });
				expect(res.status, `${path}: ${res.text}`).toBe(403);
			}
			expect(provider.requests).toHaveLength(0);

			const reader = await directus.createUser({ email: `model-user-${database}@example.com`, permissions: [{ collection: 'ml_models', action: 'read' }] });
			const ok = await directus.request('POST', '/ml/embeddings/generate', { body: { text: 'hello' }, token: reader });
			expect(ok.status, ok.text).toBe(200);
			const chat = await directus.request('POST', '/ml/chat/completions', { body: { messages: [{ role: 'user', content: 'hi' }] }, token: reader });
			expect(chat.status, chat.text).toBe(200);
		});

		it('who may use a model follows permission changes at once (the answer is cached per caller)', async () => {
			const email = `revoked-${database}@example.com`;
			const user = await directus.createUser({ email, permissions: [{ collection: 'ml_models', action: 'read' }] });
			const generate = () => directus.request('POST', '/ml/embeddings/generate', { body: { text: 'permission check' }, token: user });
			expect((await generate()).status).toBe(200);
			expect((await generate()).status).toBe(200);

			const grants = await directus.request('GET', `/permissions?fields=id,policy&filter[collection][_eq]=ml_models&filter[policy][name][_eq]=${encodeURIComponent(`policy for ${email}`)}`);
			expect(grants.body.data, grants.text).toHaveLength(1);
			const [{ id, policy }] = grants.body.data;
			expect((await directus.request('DELETE', `/permissions/${id}`)).status).toBe(204);
			const revoked = await generate();
			expect(revoked.status, revoked.text).toBe(403);

			const granted = await directus.request('POST', '/permissions', { body: { policy, collection: 'ml_models', action: 'read', fields: ['*'], permissions: {} } });
			expect(granted.status, granted.text).toBe(200);
			expect((await generate()).status).toBe(200);

			// Taking the policy off the user's role counts too.
			const role = (await directus.request('GET', `/users?fields=role&filter[email][_eq]=${encodeURIComponent(email)}`)).body.data[0].role;
			const attached = await directus.request('GET', `/access?fields=id&filter[role][_eq]=${role}`);
			expect(attached.body.data, attached.text).toHaveLength(1);
			expect((await directus.request('DELETE', `/access/${attached.body.data[0].id}`)).status).toBe(204);
			expect((await generate()).status).toBe(403);
		});

		it('caps max_tokens, batch and input sizes per model, answering 400 naming the cap', async () => {
			const models = await directus.request('GET', '/items/ml_models?fields=id,task,is_default&filter[is_default][_eq]=true');
			const chatId = models.body.data.find((m: any) => m.task === 'chat').id;
			const embedId = models.body.data.find((m: any) => m.task === 'embedding').id;
			const set = async (id: string, caps: Record<string, number | null>): Promise<void> => {
				const res = await directus.request('PATCH', `/items/ml_models/${id}`, { body: caps });
				expect(res.status, res.text).toBe(200);
			};
			await set(chatId, { max_output_tokens: 256, max_input_chars: 200 });
			await set(embedId, { max_request_inputs: 10, max_input_chars: 500 });
			try {
				const user = await directus.createUser({ email: `capped-${database}@example.com`, permissions: [{ collection: 'ml_models', action: 'read' }] });
				const refused = [
					['/ml/chat/completions', { messages: [{ role: 'user', content: 'hi' }], max_tokens: 4000 }, 'max_output_tokens'],
					['/ml/generation/text', { prompt: 'Write a novel', max_tokens: 4000 }, 'max_output_tokens'],
					['/ml/generation/text', { prompt: 'x'.repeat(300) }, 'max_input_chars'],
					['/ml/embeddings/batch', { texts: Array.from({ length: 100 }, () => 'x'.repeat(10)) }, 'max_request_inputs'],
					['/ml/embeddings/batch', { texts: ['short', 'x'.repeat(1000)] }, 'max_input_chars'],
					['/ml/embeddings/generate', { text: 'x'.repeat(1000) }, 'max_input_chars'],
				] as const;
				provider.requests.length = 0;
				for (const [path, body, cap] of refused) {
					const res = await directus.request('POST', path, { body, token: user });
					expect(res.status, `${path}: ${res.text}`).toBe(400);
					expect(res.body.errors[0].extensions).toMatchObject({ code: 'MODEL_LIMIT_EXCEEDED', limit: cap });
					expect(res.body.errors[0].message).toContain(cap);
				}
				expect(provider.requests).toHaveLength(0);
				const within = await directus.request('POST', '/ml/chat/completions', { body: { messages: [{ role: 'user', content: 'hi' }], max_tokens: 200 }, token: user });
				expect(within.status, within.text).toBe(200);
				// No max_tokens asked: the model's cap is what the provider is asked for.
				const unasked = await directus.request('POST', '/ml/generation/text', { body: { prompt: 'hello' }, token: user });
				expect(unasked.status, unasked.text).toBe(200);
				expect(provider.requests.at(-1)!.body).toMatchObject({ max_tokens: 256 });
				const batch = await directus.request('POST', '/ml/embeddings/batch', { body: { texts: Array.from({ length: 10 }, (_, i) => `text ${i}`) }, token: user });
				expect(batch.status, batch.text).toBe(200);
			} finally {
				await set(chatId, { max_output_tokens: null, max_input_chars: null });
				await set(embedId, { max_request_inputs: null, max_input_chars: null });
			}
		});

		it('limits each user on the routes that call models: 429 with Retry-After, per user, admins exempt', async () => {
			const body = { text: 'The quick brown fox jumps over the lazy dog.' };
			const busy = await directus.createUser({ email: `busy-${database}@example.com`, permissions: [] });
			const statuses: number[] = [];
			for (let i = 0; i < 30; i++) statuses.push((await directus.request('POST', '/ml/analysis/language', { body, token: busy })).status);
			expect(statuses.every((s) => s === 200), statuses.join(',')).toBe(true);
			const limited = await directus.request('POST', '/ml/analysis/language', { body, token: busy });
			expect(limited.status, limited.text).toBe(429);
			expect(limited.body.errors[0].extensions.code).toBe('RATE_LIMITED');
			expect(limited.body.errors[0].message).toContain('ML_RATE_LIMIT_REQUESTS');
			expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
			// Spending routes too, before any provider call.
			provider.requests.length = 0;
			expect((await directus.request('POST', '/ml/embeddings/generate', { body: { text: 'hello' }, token: busy })).status).toBe(429);
			expect(provider.requests).toHaveLength(0);
			// Someone else, and an administrator, are not affected.
			const other = await directus.createUser({ email: `calm-${database}@example.com`, permissions: [] });
			expect((await directus.request('POST', '/ml/analysis/language', { body, token: other })).status).toBe(200);
			for (let i = 0; i < 35; i++) expect((await directus.request('POST', '/ml/analysis/language', { body })).status).toBe(200);
		});

		it('/ml/health shows configuration only to administrators', async () => {
			const user = await directus.request('GET', '/ml/health', { token: noPolicy });
			expect(user.status).toBe(200);
			expect(user.body.config).toBeUndefined();
			expect(JSON.stringify(user.body)).not.toContain(provider.baseUrl);
			const admin = await directus.request('GET', '/ml/health');
			expect(admin.body.config).toBeDefined();
		});

		it('answers bad input with 4xx instead of 500', async () => {
			const bad = await directus.request('DELETE', '/ml/rag/collections/bad%20name!');
			expect(bad.status, bad.text).toBe(400);
			const deep = await directus.request('POST', '/ml/search', { body: deeplyNestedSearch(3000), headers: { 'content-type': 'application/json' } });
			expect(deep.status, deep.text).toBe(400);
			expect(deep.body.errors[0].message).toMatch(/Invalid filter object/);
			const arrays = await directus.request('POST', '/ml/search', { body: { query: 'x', filter: { _and: [[{ title: { _eq: 'x' } }]] } } });
			expect(arrays.status, arrays.text).toBe(400);
		});

		it('a filter on a field the caller cannot read (or that does not exist) is 403, as on /items', async () => {
			await createCollection(directus, 'memos', { title: 'string', body: 'text' });
			const created = await directus.request('POST', '/items/ml_indexes', { body: { name: 'memos', collection: 'memos', title_field: 'title', content_fields: ['body'] } });
			expect(created.status, created.text).toBe(200);
			await directus.request('POST', '/items/memos', { body: { title: 'Launch plan', body: 'The launch is on Tuesday.' } });
			await eventually(async () => (await directus.request('GET', '/ml/indexes/memos/coverage')).body.data?.documents.indexed === 1, 60_000, 'memo indexed');
			const token = await directus.createUser({ email: `memo-reader-${database}@example.com`, permissions: [{ collection: 'memos', action: 'read' }] });
			const items = await directus.request('GET', `/items/memos?filter=${encodeURIComponent(JSON.stringify({ no_such_field: { _eq: 1 } }))}`, { token });
			const res = await directus.request('POST', '/ml/search', { body: { query: 'launch', indexes: ['memos'], filter: { no_such_field: { _eq: 1 } } }, token });
			expect(res.status, res.text).toBe(items.status);
			expect(res.status).toBe(403);
			const fine = await directus.request('POST', '/ml/search', { body: { query: 'launch', indexes: ['memos'], filter: { title: { _eq: 'Launch plan' } } }, token });
			expect(fine.status, fine.text).toBe(200);
			expect(fine.body.data).toHaveLength(1);
		});

		it('ask uses the chat model only for callers who may use it: others get an extractive answer, a requested model is 403', async () => {
			// memo-reader may read memos (so search and retrieve them) but not ml_models.
			const token = await directus.login(`memo-reader-${database}@example.com`, 'user-password-for-tests');
			const before = provider.requests.filter((r) => r.path === '/v1/chat/completions').length;
			const ask = await directus.request('POST', '/ml/ask', { body: { question: 'When is the launch?', indexes: ['memos'] }, token });
			expect(ask.status, ask.text).toBe(200);
			expect(ask.body.data.mode).toBe('extractive');
			expect(ask.body.data.answer).toContain('Tuesday');
			expect(ask.body.data.notices.join(' ')).toMatch(/may not use the chat model "fake-chat"/);
			const named = await directus.request('POST', '/ml/ask', { body: { question: 'When is the launch?', indexes: ['memos'], model: 'fake-chat' }, token });
			expect(named.status, named.text).toBe(403);
			expect(provider.requests.filter((r) => r.path === '/v1/chat/completions').length).toBe(before);
			const admin = await directus.request('POST', '/ml/ask', { body: { question: 'When is the launch?', indexes: ['memos'] } });
			expect(admin.status, admin.text).toBe(200);
			expect(admin.body.data.mode).toBe('generative');

			// The query a search embeds is held to the index model's max_input_chars too.
			const embedModel = (await directus.request('GET', '/items/ml_models?fields=id&filter[task][_eq]=embedding&filter[is_default][_eq]=true')).body.data[0].id;
			await directus.request('PATCH', `/items/ml_models/${embedModel}`, { body: { max_input_chars: 50 } });
			try {
				const long = await directus.request('POST', '/ml/search', { body: { query: `launch ${'x'.repeat(60)}`, indexes: ['memos'] }, token });
				expect(long.status, long.text).toBe(400);
				expect(long.body.errors[0].extensions).toMatchObject({ code: 'MODEL_LIMIT_EXCEEDED', limit: 'max_input_chars', field: 'query' });
				expect((await directus.request('POST', '/ml/search', { body: { query: 'launch', indexes: ['memos'] }, token })).status).toBe(200);
			} finally {
				await directus.request('PATCH', `/items/ml_models/${embedModel}`, { body: { max_input_chars: null } });
			}
		});
	});
}

describeReliability('sqlite', false);
describeReliability('postgres', await skipUnless('postgres'));
