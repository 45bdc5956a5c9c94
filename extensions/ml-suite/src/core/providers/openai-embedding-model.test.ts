import { describe, expect, it } from 'vitest';
import { fakeEmbedding } from '../../../../../test/fakes/openai-server.js';
import { useFakeOpenAIServer } from '../../../../../test/fakes/use-openai-server.js';
import { NotConfiguredError, ProviderError } from '../errors.js';
import { OpenAIEmbeddingModel, type OpenAIEmbeddingModelOptions } from './openai-embedding-model.js';

const server = useFakeOpenAIServer({ dimensions: 8, apiKey: 'sk-test' });

function model(overrides: Partial<OpenAIEmbeddingModelOptions> = {}): OpenAIEmbeddingModel {
	return new OpenAIEmbeddingModel({
		provider: 'openai-compatible',
		modelId: 'fake-embed',
		baseUrl: server.baseUrl,
		apiKeyEnv: 'FAKE_KEY',
		resolveSecret: (name) => (name === 'FAKE_KEY' ? 'sk-test' : undefined),
		maxRetries: 2,
		timeoutMs: 2000,
		...overrides,
	});
}

describe('OpenAIEmbeddingModel against an OpenAI-compatible server', () => {
	it('returns one vector per input in input order, with the server-reported usage', async () => {
		const texts = ['first text', 'second', 'third one here', 'second'];
		const result = await model().embed(texts);
		expect(result.embeddings).toEqual(texts.map((t) => fakeEmbedding(t, 8)));
		expect(result.usage.inputTokens).toBe(2 + 1 + 3 + 1);
		expect(server.requests).toHaveLength(1);
		// float32 as base64 on the wire (no JSON number parsing), decoded to the same numbers.
		expect(server.requests[0]!.body).toMatchObject({ model: 'fake-embed', input: texts, encoding_format: 'base64' });
	});

	it('falls back to float vectors, once and for good, when a compatible server rejects base64', async () => {
		server.script({ kind: 'status', status: 400, body: { error: { message: 'unsupported encoding_format' } } });
		const m = model();
		expect((await m.embed(['one'])).embeddings).toEqual([fakeEmbedding('one', 8)]);
		expect((await m.embed(['two'])).embeddings).toEqual([fakeEmbedding('two', 8)]);
		expect(server.requests.map((r) => [r.status, (r.body as { encoding_format?: string }).encoding_format])).toEqual([
			[400, 'base64'],
			[200, 'float'],
			[200, 'float'],
		]);
	});

	it('does not fall back for OpenAI itself: a 400 there is the caller’s error', async () => {
		server.script({ kind: 'status', status: 400, body: { error: { message: 'bad input' } } });
		const error = await model({ provider: 'openai', modelId: 'text-embedding-3-small' }).embed(['x']).catch((e: unknown) => e);
		expect(error).toMatchObject({ statusCode: 400 });
		expect(server.requests).toHaveLength(1);
	});

	it('decodes the base64 format the SDK asks OpenAI for, and sends dimensions for text-embedding-3', async () => {
		const m = model({ provider: 'openai', modelId: 'text-embedding-3-small', dimensions: 16 });
		const result = await m.embed(['a', 'b']);
		expect(server.requests[0]!.body).toMatchObject({ encoding_format: 'base64', dimensions: 16 });
		expect(result.embeddings).toEqual([fakeEmbedding('a', 16), fakeEmbedding('b', 16)]);
		expect(m.dimensions).toBe(16);
	});

	it('retries a 429 after the retry-after the server asked for', async () => {
		server.script({ kind: 'status', status: 429, headers: { 'retry-after': '1' } });
		const result = await model().embed(['x']);
		expect(result.embeddings).toEqual([fakeEmbedding('x', 8)]);
		expect(server.requests.map((r) => r.status)).toEqual([429, 200]);
		// The SDK's own first backoff is at most 0.5 s; a gap of about 1 s means retry-after was used.
		const [first, second] = server.requests;
		expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(950);
	});

	it('does not sleep through a retry-after longer than maxRetryAfterMs: fails retryable at once', async () => {
		server.script({ kind: 'status', status: 429, headers: { 'retry-after': '3600' } });
		const error = await model({ maxRetryAfterMs: 5000 }).embed(['x']).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(ProviderError);
		expect(error).toMatchObject({ statusCode: 429, retryable: true, code: 'PROVIDER_RATE_LIMITED', status: 429 });
		expect((error as Error).message).toMatch(/retry after 3600 s/);
		// The queue delays the job by this much (see retryDelay).
		expect((error as ProviderError).retryAfterMs).toBeCloseTo(3_600_000, -3);
		expect(server.requests).toHaveLength(1);
	});

	it('retries a 500 and then succeeds', async () => {
		server.script({ kind: 'status', status: 500, headers: { 'retry-after-ms': '10' } }, { kind: 'status', status: 503, headers: { 'retry-after-ms': '10' } });
		const result = await model().embed(['y']);
		expect(result.embeddings).toEqual([fakeEmbedding('y', 8)]);
		expect(server.requests.map((r) => r.status)).toEqual([500, 503, 200]);
	});

	it('gives up after maxRetries with a retryable ProviderError carrying status and body', async () => {
		const fault = { kind: 'status', status: 502, headers: { 'retry-after-ms': '5' }, body: { error: { message: 'upstream down' } } } as const;
		server.script(fault, fault, fault);
		const error = await model({ maxRetries: 2 }).embed(['z']).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(ProviderError);
		expect(error).toMatchObject({ statusCode: 502, retryable: true, provider: 'openai-compatible' });
		expect((error as ProviderError).responseBody).toContain('upstream down');
		expect((error as ProviderError).cause).toBeInstanceOf(Error);
		expect(server.requests).toHaveLength(3);
	});

	it('maps a 400 to a non-retryable ProviderError without retrying', async () => {
		server.script({ kind: 'status', status: 400, body: { error: { message: 'input too long', type: 'invalid_request_error' } } });
		const error = await model().embed(['z']).catch((e: unknown) => e);
		expect(error).toMatchObject({ statusCode: 400, retryable: false, code: 'PROVIDER_ERROR' });
		expect(server.requests).toHaveLength(1);
	});

	it('turns a timeout into a retryable ProviderError after the retries', async () => {
		server.script({ kind: 'delay', ms: 1500 }, { kind: 'delay', ms: 1500 });
		const error = await model({ timeoutMs: 200, maxRetries: 1 }).embed(['slow']).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(ProviderError);
		expect(error).toMatchObject({ retryable: true, code: 'PROVIDER_TIMEOUT', statusCode: undefined });
		expect(server.requests).toHaveLength(2);
		await Promise.all(server.requests.map((r) => r.settled));
		expect(server.requests.every((r) => r.closedByClient)).toBe(true);
	});

	it('sends the key from the named variable, and names the variable when it is missing', async () => {
		await model().embed(['k']);
		expect(server.requests[0]!.headers.authorization).toBe('Bearer sk-test');
		const missing = model({ provider: 'openai', apiKeyEnv: 'MY_OPENAI_KEY', resolveSecret: () => undefined });
		await expect(missing.embed(['k'])).rejects.toThrow(NotConfiguredError);
		await expect(missing.embed(['k'])).rejects.toThrow(/MY_OPENAI_KEY/);
		const wrongKey = await model({ resolveSecret: () => 'sk-wrong', maxRetries: 0 }).embed(['k']).catch((e: unknown) => e);
		expect(wrongKey).toMatchObject({ statusCode: 401, retryable: false });
	});

	it('cancels a pending backoff when the signal aborts', async () => {
		server.script({ kind: 'status', status: 429, headers: { 'retry-after': '30' } });
		const controller = new AbortController();
		const pending = model().embed(['x'], { signal: controller.signal });
		await new Promise((resolve) => setTimeout(resolve, 100));
		controller.abort();
		await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
		expect(server.requests).toHaveLength(1);
	});
});

describe('the fake upstream with pooled vectors (benchmarks)', () => {
	const pooled = useFakeOpenAIServer({ dimensions: 16, embeddings: 'pool' });
	const pooledModel = (): OpenAIEmbeddingModel => new OpenAIEmbeddingModel({ provider: 'openai-compatible', modelId: 'fake-embed', baseUrl: pooled.baseUrl, resolveSecret: () => undefined, maxRetries: 0, timeoutMs: 2000 });

	it('answers in the OpenAI format: one unit vector per input, equal texts equal vectors, base64 and float the same numbers', async () => {
		const m = pooledModel();
		const texts = ['alpha', 'beta', 'alpha', 'gamma delta'];
		const result = await m.embed(texts);
		expect(result.embeddings).toHaveLength(4);
		expect(result.embeddings[0]).toEqual(result.embeddings[2]);
		for (const v of result.embeddings) {
			expect(v).toHaveLength(16);
			expect(Math.hypot(...v)).toBeCloseTo(1, 5);
		}
		expect(result.usage.inputTokens).toBe(5);
		const float = await fetch(`${pooled.baseUrl}/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'x', input: texts, encoding_format: 'float' }) });
		expect(((await float.json()) as { data: { embedding: number[] }[] }).data.map((d) => d.embedding)).toEqual(result.embeddings);
	});
});
