import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer, type RecordedRequest } from './fakes/openai-server.js';
import { createCollection, eventually } from './support/content.js';
import { startDirectus, type DirectusInstance } from './support/directus.js';

/**
 * RAG and generation through a real Directus: extractive answers (no chat model), grounded
 * answers from an OpenAI-compatible server (the local fake), streaming, cancellation, provider
 * failures, permissions and bad input.
 */

const KB = [
	{ title: 'Tardigrades', body: 'Tardigrades, the microscopic water bears, survive desiccation, radiation and the vacuum of space by entering a dormant tun state.' },
	{ title: 'Sourdough', body: 'Sourdough bread relies on a wild yeast starter and lactic acid bacteria; a long fermentation gives the loaf its sour flavour.' },
	{ title: 'Heat pumps', body: 'A heat pump moves heat from outdoor air into the house with a refrigerant cycle and a compressor.' },
	{ title: 'Night trains', body: 'Night trains carry sleeping cars and couchettes between European capitals while travellers sleep in a berth.' },
	{ title: 'Honeybees', body: 'Honeybees tell their hive mates the direction and distance of flowers with a waggle dance.' },
	{ title: 'Shield volcanoes', body: 'Shield volcanoes such as Mauna Loa are built by fluid basalt lava flows that spread in wide gentle slopes.' },
	{ title: 'Sicilian Defence', body: 'The Sicilian Defence is a chess opening in which Black answers the king pawn move with the c-pawn.' },
	{ title: 'Composting', body: 'A compost heap turns kitchen scraps and garden waste into humus when microbes get enough air and moisture.' },
	{ title: 'Lighthouses', body: 'A Fresnel lens lets a lighthouse beam be seen far out at sea by bending the light of a small lamp.' },
	{ title: 'Origami', body: 'Origami cranes are folded from a single square sheet of paper without cuts or glue.' },
];
/** A collection the restricted user cannot read; its text mentions the corpus topic on purpose. */
const STAFF_SECRET = 'ZEPHYR-7731';
const STAFF = [{ title: 'Retention bonus', body: `Confidential: the tardigrade research team that studies how tardigrades survive space gets a retention bonus, codeword ${STAFF_SECRET}.` }];

const TARDIGRADE_QUESTION = 'How do tardigrades survive the vacuum of space?';
const TARDIGRADE_REPLY = (n: string): string => `Tardigrades survive by drying out into a dormant tun state [${n}].`;

/** Creates the corpus collections and their indexes, waits until every item is indexed; returns item ids by title. */
async function seedCorpus(directus: DirectusInstance, withStaff: boolean): Promise<Record<string, string>> {
	const ids: Record<string, string> = {};
	const sets: [string, { title: string; body: string }[]][] = [['kb', KB], ...(withStaff ? [['staff_notes', STAFF] as [string, typeof STAFF]] : [])];
	for (const [collection, items] of sets) {
		await createCollection(directus, collection, { title: 'string', body: 'text' });
		const index = await directus.request('POST', '/items/ml_indexes', { body: { name: collection, collection, title_field: 'title', content_fields: ['body'], context_fields: ['title'] } });
		expect(index.status, index.text).toBe(200);
		for (const item of items) {
			const res = await directus.request('POST', `/items/${collection}`, { body: item });
			expect(res.status, res.text).toBe(200);
			ids[item.title] = String(res.body.data.id);
		}
		await eventually(async () => (await directus.request('GET', `/ml/indexes/${collection}/coverage`)).body.data?.documents.indexed === items.length, 30_000, `${collection} indexed`);
	}
	return ids;
}

interface SseEvent {
	event: string | null;
	data: string;
}

function parseSse(text: string): SseEvent[] {
	const events: SseEvent[] = [];
	for (const block of text.split(/\n\n/)) {
		let event: string | null = null;
		const data: string[] = [];
		for (const line of block.split('\n')) {
			if (line.startsWith('event: ')) event = line.slice(7);
			else if (line.startsWith('data: ')) data.push(line.slice(6));
		}
		if (event !== null || data.length > 0) events.push({ event, data: data.join('\n') });
	}
	return events;
}

/** POSTs and reads the whole SSE response (with a deadline, so a stream that never ends fails the test instead of hanging it). */
async function postSse(directus: DirectusInstance, path: string, body: unknown): Promise<{ status: number; contentType: string; events: SseEvent[] }> {
	const res = await fetch(`${directus.url}${path}`, {
		method: 'POST',
		headers: { authorization: `Bearer ${directus.adminToken}`, 'content-type': 'application/json' },
		body: JSON.stringify(body),
		signal: AbortSignal.timeout(60_000),
	});
	return { status: res.status, contentType: res.headers.get('content-type') ?? '', events: parseSse(await res.text()) };
}

/** Starts a streamed request, reads until `marker` has arrived, then aborts it like a browser tab being closed. */
async function abortMidStream(directus: DirectusInstance, path: string, body: unknown, marker: string): Promise<string> {
	const controller = new AbortController();
	const res = await fetch(`${directus.url}${path}`, {
		method: 'POST',
		headers: { authorization: `Bearer ${directus.adminToken}`, 'content-type': 'application/json' },
		body: JSON.stringify(body),
		signal: controller.signal,
	});
	expect(res.status).toBe(200);
	const reader = res.body!.getReader();
	const decoder = new TextDecoder();
	let received = '';
	while (!received.includes(marker)) {
		const { done, value } = await reader.read();
		if (done) break;
		received += decoder.decode(value, { stream: true });
	}
	controller.abort();
	await reader.cancel().catch(() => undefined);
	return received;
}

function chatRequests(fake: FakeOpenAIServer): RecordedRequest[] {
	return fake.requests.filter((r) => r.path === '/v1/chat/completions');
}

function errorMessage(res: { body: { errors?: { message: string }[] } }): string {
	return res.body.errors?.[0]?.message ?? '';
}

describe('RAG without a chat model (extractive)', () => {
	let directus: DirectusInstance;
	let ids: Record<string, string>;
	let readerToken: string;

	beforeAll(async () => {
		directus = await startDirectus();
		ids = await seedCorpus(directus, true);
		readerToken = await directus.createUser({ email: 'kb-reader@example.com', permissions: [{ collection: 'kb', action: 'read' }] });
	});
	afterAll(async () => {
		await directus?.stop();
	});

	it('quotes the passage that answers, citing the right item with its link', async () => {
		const res = await directus.request('POST', '/ml/ask', { body: { question: TARDIGRADE_QUESTION, indexes: ['kb'] } });
		expect(res.status, res.text).toBe(200);
		const { data } = res.body;
		expect(data.mode).toBe('extractive');
		expect(data.model).toBeNull();
		expect(data.answer).toContain('dormant tun state');
		expect(data.answer).toMatch(/\[1\]/);
		expect(data.citations.length).toBeGreaterThan(0);
		expect(data.citations[0]).toMatchObject({ n: 1, index: 'kb', collection: 'kb', item: ids.Tardigrades, title: 'Tardigrades', link: `/admin/content/kb/${ids.Tardigrades}` });
		expect(data.citations[0].passage).toContain('vacuum of space');
		for (const citation of data.citations) expect(citation.item).toBe(ids.Tardigrades);
	});

	it('says clearly that there is no answer, with no citations, when the content does not hold one', async () => {
		const res = await directus.request('POST', '/ml/ask', { body: { question: 'Who won the football world cup final in 1998?', indexes: ['kb'] } });
		expect(res.status, res.text).toBe(200);
		expect(res.body.data).toMatchObject({ mode: 'extractive', answer: 'No answer found in the indexed content.', citations: [] });
	});

	it('answers the SynthStack /rag/query shape', async () => {
		const res = await directus.request('POST', '/ml/rag/query', { body: { query: 'How do honeybees tell hive mates where the flowers are?', collection: 'kb' } });
		expect(res.status, res.text).toBe(200);
		expect(res.body.answer).toContain('waggle dance');
		expect(res.body.model).toBe('extractive');
		expect(res.body.tokensUsed).toBe(0);
		expect(res.body.sources[0]).toMatchObject({ source: 'Honeybees', sourceType: 'kb', metadata: { item: ids.Honeybees, link: `/admin/content/kb/${ids.Honeybees}` } });
		expect(res.body.sources[0].content).toContain('waggle dance');
	});

	it('refuses generation and chat with 503 naming ML_CHAT_PROVIDER', async () => {
		const requests: [string, unknown][] = [
			['/ml/generation/text', { prompt: 'Write a haiku' }],
			['/ml/chat/completions', { messages: [{ role: 'user', content: 'hello' }] }],
			['/ml/chat/completions', { messages: [{ role: 'user', content: 'hello' }], stream: true }],
		];
		for (const [path, body] of requests) {
			const res = await directus.request('POST', path, { body });
			expect(res.status, `${path} ${res.text}`).toBe(503);
			expect(errorMessage(res)).toContain('ML_CHAT_PROVIDER');
		}
	});

	it('never cites or quotes a collection the caller cannot read, even when asking across all indexes', async () => {
		const question = 'What retention bonus does the tardigrade research team get for studying how tardigrades survive space?';
		// The admin's answer draws on the restricted collection: proof the question reaches it.
		const admin = await directus.request('POST', '/ml/ask', { body: { question } });
		expect(admin.status, admin.text).toBe(200);
		expect(admin.body.data.citations.map((c: { collection: string }) => c.collection)).toContain('staff_notes');
		expect(admin.body.data.answer).toContain(STAFF_SECRET);

		for (const body of [{ question }, { question, mode: 'semantic', limit: 20 }]) {
			const res = await directus.request('POST', '/ml/ask', { body, token: readerToken });
			expect(res.status, res.text).toBe(200);
			expect(res.body.data.citations.length).toBeGreaterThan(0);
			for (const citation of res.body.data.citations) expect(citation.collection).toBe('kb');
			expect(res.text).not.toContain(STAFF_SECRET);
		}
		const rag = await directus.request('POST', '/ml/rag/query', { body: { query: question }, token: readerToken });
		expect(rag.status, rag.text).toBe(200);
		expect(rag.text).not.toContain(STAFF_SECRET);

		const named = await directus.request('POST', '/ml/ask', { body: { question, indexes: ['staff_notes'] }, token: readerToken });
		expect(named.status).toBe(403);
		expect(named.text).not.toContain(STAFF_SECRET);
	});

	it('runs the index-item, semantic-search and embed-text operations in a flow', async () => {
		const flow = await directus.request('POST', '/flows', {
			body: { name: 'ML operations', status: 'active', trigger: 'webhook', accountability: 'all', options: { method: 'POST', async: false, return: '$all' } },
		});
		expect(flow.status, flow.text).toBe(200);
		const flowId = String(flow.body.data.id);
		const operation = async (key: string, type: string, options: Record<string, unknown>, resolve: string | null): Promise<string> => {
			const res = await directus.request('POST', '/operations', { body: { flow: flowId, key, name: key, type, options, resolve, position_x: 20, position_y: 1 } });
			expect(res.status, res.text).toBe(200);
			return String(res.body.data.id);
		};
		// Built last to first so each operation can name the next one.
		const embed = await operation('embed', 'ml-embed-text', { text: '{{$last.data[0].title}}' }, null);
		const search = await operation('search', 'ml-semantic-search', { query: '{{$trigger.body.q}}', indexes: 'kb', limit: 1, fields: 'title' }, embed);
		const index = await operation('index', 'ml-index-item', { index: 'kb', keys: '{{$trigger.body.keys}}', wait: true, force: true }, search);
		expect((await directus.request('PATCH', `/flows/${flowId}`, { body: { operation: index } })).status).toBe(200);

		const res = await eventually(async () => {
			const r = await directus.request('POST', `/flows/trigger/${flowId}`, { body: { q: 'lighthouse lens beam at sea', keys: [Number(ids.Lighthouses), Number(ids.Origami)] } });
			return r.status === 200 ? r : null;
		}, 20_000, 'the flow to be triggerable');
		expect(res.body.index).toMatchObject({ index: 'kb', keys: [ids.Lighthouses, ids.Origami], status: 'indexed', result: { indexed: 2 } });
		expect(res.body.search.count).toBe(1);
		expect(res.body.search.data[0]).toMatchObject({ collection: 'kb', item: ids.Lighthouses, title: 'Lighthouses', data: { title: 'Lighthouses' } });
		expect(res.body.embed.dimensions).toBeGreaterThan(0);
		expect(res.body.embed.embedding).toHaveLength(res.body.embed.dimensions);
	});

	it('rejects bad input with a 4xx that names the problem', async () => {
		const empty = await directus.request('POST', '/ml/ask', { body: { question: '' } });
		expect(empty.status).toBe(400);
		expect(errorMessage(empty)).toContain('question');
		const blank = await directus.request('POST', '/ml/ask', { body: { question: '   ' } });
		expect(blank.status).toBe(400);
		expect(errorMessage(blank)).toContain('question');

		const long = await directus.request('POST', '/ml/ask', { body: { question: 'why '.repeat(1500) } });
		expect([400, 413]).toContain(long.status);
		expect(errorMessage(long)).toMatch(/"question".*4000/);

		const unknown = await directus.request('POST', '/ml/ask', { body: { question: TARDIGRADE_QUESTION, indexes: ['no_such_index'] } });
		expect(unknown.status).toBe(403);
		expect(errorMessage(unknown)).toContain('no_such_index');
	});
});

describe('RAG and chat with an OpenAI-compatible model', () => {
	let directus: DirectusInstance;
	let ids: Record<string, string>;
	let fake: FakeOpenAIServer;
	let slow: FakeOpenAIServer;

	beforeAll(async () => {
		// Grounded answers cite whichever [n] the context gave the tardigrade passage; anything
		// without a RAG context is echoed back, so chat and generation replies are predictable.
		fake = await startFakeOpenAIServer({
			apiKey: 'test',
			reply: (messages) => {
				const last = messages.at(-1)?.content ?? '';
				if (!last.includes('<<<CONTEXT')) return `Echo: ${last}`;
				const n = /\[(\d+)\] "Tardigrades"/.exec(last)?.[1];
				return n ? TARDIGRADE_REPLY(n) : 'The indexed content does not contain the answer.';
			},
		});
		slow = await startFakeOpenAIServer({ apiKey: 'test', streamChunkDelayMs: 250, reply: () => Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ') });
		directus = await startDirectus({
			env: {
				ML_CHAT_PROVIDER: 'openai-compatible',
				ML_CHAT_MODEL: 'fake-chat',
				ML_CHAT_BASE_URL: fake.baseUrl,
				ML_CHAT_API_KEY_ENV: 'FAKE_KEY',
				FAKE_KEY: 'test',
				ML_PROVIDER_MAX_RETRIES: '0',
			},
		});
		ids = await seedCorpus(directus, false);
		const model = await directus.request('POST', '/items/ml_models', {
			body: { name: 'Slow chat', provider: 'openai-compatible', task: 'chat', model_id: 'slow-chat', base_url: slow.baseUrl, api_key_env: 'FAKE_KEY', status: 'active', is_default: false },
		});
		expect(model.status, model.text).toBe(200);
	});
	afterAll(async () => {
		await directus?.stop();
		await fake?.close();
		await slow?.close();
	});

	it('answers from the model, citing [n] that map to the real item, with the passage inside the delimited context', async () => {
		const before = chatRequests(fake).length;
		const res = await directus.request('POST', '/ml/ask', { body: { question: TARDIGRADE_QUESTION, indexes: ['kb'] } });
		expect(res.status, res.text).toBe(200);
		const { data } = res.body;
		expect(data).toMatchObject({ mode: 'generative', model: 'fake-chat' });
		const n = /\[(\d+)\]/.exec(data.answer)?.[1];
		expect(data.answer).toBe(TARDIGRADE_REPLY(n ?? '?'));
		expect(data.citations).toHaveLength(1);
		expect(data.citations[0]).toMatchObject({ n: Number(n), collection: 'kb', item: ids.Tardigrades, title: 'Tardigrades', link: `/admin/content/kb/${ids.Tardigrades}` });
		expect(data.usage.outputTokens).toBe(TARDIGRADE_REPLY(n ?? '?').split(' ').length);

		const sent = chatRequests(fake).slice(before);
		expect(sent).toHaveLength(1);
		const messages = sent[0]!.body.messages as { role: string; content: string }[];
		expect(sent[0]!.headers.authorization).toBe('Bearer test');
		expect(messages[0]!.role).toBe('system');
		expect(messages[0]!.content).toContain('<<<CONTEXT');
		expect(messages[0]!.content).toMatch(/cite/i);
		// The system prompt states the rules (naming the delimiters); the user turn carries the
		// delimited passages, then the question.
		const user = messages.at(-1)!;
		expect(user.role).toBe('user');
		const begin = user.content.indexOf('<<<CONTEXT (retrieved passages');
		const end = user.content.indexOf('<<<END CONTEXT>>>');
		const passage = user.content.indexOf('entering a dormant tun state');
		expect(begin).toBe(0);
		expect(passage).toBeGreaterThan(begin);
		expect(end).toBeGreaterThan(passage);
		expect(user.content.slice(begin, end)).toContain(`[${n}] "Tardigrades" (kb/${ids.Tardigrades})`);
		expect(user.content.slice(end)).toContain(TARDIGRADE_QUESTION);
	});

	it('streams tokens, then citations, usage and done', async () => {
		const { status, contentType, events } = await postSse(directus, '/ml/ask', { question: TARDIGRADE_QUESTION, indexes: ['kb'], stream: true });
		expect(status).toBe(200);
		expect(contentType).toContain('text/event-stream');
		const types = events.map((e) => e.event);
		const firstOther = types.findIndex((t) => t !== 'token');
		expect(firstOther).toBeGreaterThan(1);
		expect(types.slice(firstOther)).toEqual(['citations', 'usage', 'done']);
		const text = events
			.filter((e) => e.event === 'token')
			.map((e) => (JSON.parse(e.data) as { text: string }).text)
			.join('');
		const n = /\[(\d+)\]/.exec(text)?.[1];
		expect(text).toBe(TARDIGRADE_REPLY(n ?? '?'));
		const citations = JSON.parse(events[firstOther]!.data).citations as { n: number; item: string }[];
		expect(citations).toEqual([expect.objectContaining({ n: Number(n), item: ids.Tardigrades })]);
		expect(JSON.parse(events[firstOther + 1]!.data)).toMatchObject({ type: 'usage', model: 'fake-chat' });
		expect(JSON.parse(events[firstOther + 2]!.data)).toMatchObject({ type: 'done', mode: 'generative' });
	});

	it('serves OpenAI-compatible chat completions, plain and streamed', async () => {
		const plain = await directus.request('POST', '/ml/chat/completions', { body: { messages: [{ role: 'user', content: 'hello there' }] } });
		expect(plain.status, plain.text).toBe(200);
		expect(plain.body).toMatchObject({
			content: 'Echo: hello there',
			model: 'fake-chat',
			choices: [{ index: 0, message: { role: 'assistant', content: 'Echo: hello there' }, finish_reason: 'stop' }],
			usage: { prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 },
		});

		const streamed = await postSse(directus, '/ml/chat/completions', { messages: [{ role: 'user', content: 'hello there' }], stream: true });
		expect(streamed.status).toBe(200);
		expect(streamed.events.at(-1)?.data).toBe('[DONE]');
		const chunks = streamed.events.slice(0, -1).map((e) => JSON.parse(e.data) as { object: string; choices: { delta: { content?: string } }[]; usage?: unknown });
		expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
		expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Echo: hello there');
		expect(chunks.find((c) => c.usage)?.usage).toEqual({ prompt_tokens: 2, completion_tokens: 3, total_tokens: 5 });
	});

	it('generates text and lists the configured model', async () => {
		const before = chatRequests(fake).length;
		const res = await directus.request('POST', '/ml/generation/text', { body: { prompt: 'write a haiku', system_prompt: 'be brief' } });
		expect(res.status, res.text).toBe(200);
		expect(res.body).toMatchObject({ content: 'Echo: write a haiku', tokens_used: 5 + 4 });
		expect(typeof res.body.id).toBe('string');
		expect(res.body.processing_time_ms).toBeGreaterThanOrEqual(0);
		const sent = chatRequests(fake).slice(before)[0]!.body.messages;
		expect(sent).toEqual([
			{ role: 'system', content: 'be brief' },
			{ role: 'user', content: 'write a haiku' },
		]);

		const models = await directus.request('GET', '/ml/generation/models');
		expect(models.status).toBe(200);
		expect(models.body.text).toContain('fake-chat');
	});

	it('closes the upstream request when the client goes away mid-stream', async () => {
		const before = chatRequests(slow).length;
		await abortMidStream(directus, '/ml/chat/completions', { model: 'slow-chat', stream: true, messages: [{ role: 'user', content: 'talk' }] }, 'word1');
		await eventually(async () => chatRequests(slow)[before]?.closedByClient, 20_000, 'the chat completion upstream request to be closed');

		const askBefore = chatRequests(slow).length;
		const received = await abortMidStream(directus, '/ml/ask', { question: TARDIGRADE_QUESTION, indexes: ['kb'], model: 'slow-chat', stream: true }, 'event: token');
		expect(received).not.toContain('event: done');
		await eventually(async () => chatRequests(slow)[askBefore]?.closedByClient, 20_000, 'the RAG upstream request to be closed');
	});

	it('ends the stream with an error event when the provider fails mid-stream', async () => {
		fake.script({ kind: 'stream-error-event', afterChunks: 2 });
		const ask = await postSse(directus, '/ml/ask', { question: TARDIGRADE_QUESTION, indexes: ['kb'], stream: true });
		expect(ask.status).toBe(200);
		const types = ask.events.map((e) => e.event);
		expect(types.filter((t) => t === 'token').length).toBeGreaterThan(0);
		expect(types.at(-1)).toBe('error');
		expect(types).not.toContain('done');
		expect(JSON.parse(ask.events.at(-1)!.data)).toMatchObject({ type: 'error', message: expect.any(String), code: expect.any(String) });


		// A 500 before the first token is a plain JSON error, not a half-open stream (after the one
		// interactive retry, which also fails).
		fake.script({ kind: 'status', status: 500 }, { kind: 'status', status: 500 });
		const early = await postSse(directus, '/ml/ask', { question: TARDIGRADE_QUESTION, indexes: ['kb'], stream: true });
		expect(early.status).toBeGreaterThanOrEqual(500);
		expect(early.contentType).toContain('application/json');
	});

	// The fake sends two content chunks, waits until the client has them, then resets the
	// connection: the client must see the partial answer and an OpenAI-style error chunk, and no
	// `[DONE]` (which would tell an SDK client the truncated answer is complete).
	it('ends a chat completion stream with an error chunk, without [DONE], when the connection breaks mid-stream', async () => {
		const before = chatRequests(fake).length;
		fake.script({ kind: 'stream-error', afterChunks: 2 });
		const chat = await postSse(directus, '/ml/chat/completions', { messages: [{ role: 'user', content: 'one two three four five' }], stream: true });
		expect(chat.status).toBe(200);
		const data = chat.events.map((e) => e.data);
		expect(data).not.toContain('[DONE]');
		const content = data.slice(0, -1).map((d) => (JSON.parse(d) as { choices: { delta: { content?: string } }[] }).choices[0]!.delta.content ?? '').join('');
		expect(content.length).toBeGreaterThan(0);
		expect(JSON.parse(data.at(-1)!)).toMatchObject({ error: { message: expect.any(String), code: expect.any(String) } });
		// Nothing was retried once the answer had started.
		expect(chatRequests(fake).length - before).toBe(1);
	});
});
