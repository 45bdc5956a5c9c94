import { describe, expect, it } from 'vitest';
import { startFakeOpenAIServer } from '../../../../../test/fakes/openai-server.js';
import { useFakeOpenAIServer } from '../../../../../test/fakes/use-openai-server.js';
import { ProviderError } from '../errors.js';
import { OpenAIChatModel, type OpenAIChatModelOptions } from './openai-chat-model.js';
import type { ChatStreamEvent } from './types.js';

const server = useFakeOpenAIServer({
	streamChunkDelayMs: 5,
	reply: (messages) => (messages.at(-1)?.content === 'long' ? Array.from({ length: 200 }, (_, i) => `w${i}`).join(' ') : `You said: ${messages.at(-1)?.content ?? ''}`),
});

function model(overrides: Partial<OpenAIChatModelOptions> = {}): OpenAIChatModel {
	return new OpenAIChatModel({
		provider: 'openai-compatible',
		modelId: 'fake-chat',
		baseUrl: server.baseUrl,
		resolveSecret: () => undefined,
		maxRetries: 2,
		timeoutMs: 2000,
		...overrides,
	});
}

async function collect(stream: AsyncIterable<ChatStreamEvent>): Promise<ChatStreamEvent[]> {
	const events: ChatStreamEvent[] = [];
	for await (const event of stream) events.push(event);
	return events;
}

const messages = [
	{ role: 'system', content: 'Be brief.' },
	{ role: 'user', content: 'hello there' },
] as const;

describe('OpenAIChatModel against an OpenAI-compatible server', () => {
	it('completes with content, finish reason and server usage, without needing a key', async () => {
		const result = await model().complete({ messages, maxTokens: 50, temperature: 0.2 });
		expect(result.content).toBe('You said: hello there');
		expect(result.finishReason).toBe('stop');
		expect(result.usage).toMatchObject({ inputTokens: 4, outputTokens: 4 });
		expect(server.requests[0]!.body).toMatchObject({ model: 'fake-chat', max_tokens: 50, temperature: 0.2, messages });
		expect(server.requests[0]!.headers.authorization).toBe('Bearer not-needed');
	});

	it('caps max tokens at the model maximum and uses max_completion_tokens for OpenAI', async () => {
		await model({ provider: 'openai', resolveSecret: () => 'sk', maxOutputTokens: 100 }).complete({ messages, maxTokens: 5000 });
		expect(server.requests[0]!.body).toMatchObject({ max_completion_tokens: 100 });
		expect(server.requests[0]!.body).not.toHaveProperty('max_tokens');
	});

	it('streams deltas that add up to the answer, then a done event with the usage chunk', async () => {
		const events = await collect(model().stream({ messages }));
		const done = events.at(-1);
		const text = events.flatMap((e) => (e.type === 'delta' ? [e.text] : [])).join('');
		expect(text).toBe('You said: hello there');
		expect(events.filter((e) => e.type === 'delta').length).toBeGreaterThan(1);
		expect(done).toMatchObject({ type: 'done', finishReason: 'stop', usage: { inputTokens: 4, outputTokens: 4 } });
		expect(server.requests[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
	});

	it('retries a 429 before the stream starts', async () => {
		server.script({ kind: 'status', status: 429, headers: { 'retry-after-ms': '20' } });
		const events = await collect(model().stream({ messages }));
		expect(events.at(-1)).toMatchObject({ type: 'done' });
		expect(server.requests.map((r) => r.status)).toEqual([429, 200]);
	});

	it('aborting the signal mid-stream closes the upstream request and rejects with AbortError', async () => {
		const controller = new AbortController();
		const seen: string[] = [];
		const run = (async () => {
			for await (const event of model().stream({ messages: [{ role: 'user', content: 'long' }], signal: controller.signal })) {
				if (event.type === 'delta') seen.push(event.text);
				if (seen.length === 3) controller.abort();
			}
		})();
		await expect(run).rejects.toMatchObject({ name: 'AbortError' });
		await server.requests[0]!.settled;
		expect(server.requests[0]!.closedByClient).toBe(true);
		expect(seen.length).toBeLessThan(200);
	});

	it('breaking out of the loop also closes the upstream request', async () => {
		for await (const event of model().stream({ messages: [{ role: 'user', content: 'long' }] })) {
			if (event.type === 'delta') break;
		}
		await server.requests[0]!.settled;
		expect(server.requests[0]!.closedByClient).toBe(true);
	});

	it('fails with a retryable ProviderError when the stream breaks off or reports an error', async () => {
		server.script({ kind: 'stream-error', afterChunks: 2 });
		const broken = await collect(model().stream({ messages })).catch((e: unknown) => e);
		expect(broken).toBeInstanceOf(ProviderError);
		expect(broken).toMatchObject({ retryable: true });

		server.script({ kind: 'stream-error-event', afterChunks: 1 });
		const reported = await collect(model().stream({ messages })).catch((e: unknown) => e);
		expect(reported).toBeInstanceOf(ProviderError);
		expect((reported as Error).message).toMatch(/Scripted mid-stream failure/);
	});

	it('fails a stream that goes silent for longer than the timeout', async () => {
		const slow = await startFakeOpenAIServer({ streamChunkDelayMs: 400 });
		try {
			const error = await collect(model({ baseUrl: slow.baseUrl, timeoutMs: 150 }).stream({ messages })).catch((e: unknown) => e);
			expect(error).toMatchObject({ code: 'PROVIDER_TIMEOUT', retryable: true });
			await slow.requests[0]!.settled;
			expect(slow.requests[0]!.closedByClient).toBe(true);
		} finally {
			await slow.close();
		}
	});

	it('maps a 400 to a non-retryable ProviderError', async () => {
		server.script({ kind: 'status', status: 400, body: { error: { message: 'bad messages' } } });
		await expect(model().complete({ messages })).rejects.toMatchObject({ statusCode: 400, retryable: false });
		expect(server.requests).toHaveLength(1);
	});
});
