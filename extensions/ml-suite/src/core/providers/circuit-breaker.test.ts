import { describe, expect, it } from 'vitest';
import { useFakeOpenAIServer } from '../../../../../test/fakes/use-openai-server.js';
import { CircuitBreakers } from './circuit-breaker.js';
import { OpenAIEmbeddingModel } from './openai-embedding-model.js';

const server = useFakeOpenAIServer({ dimensions: 8 });

describe('per-provider circuit breaker (real openai SDK against an OpenAI-compatible server)', () => {
	it('opens after consecutive outages, refuses at once with a Retry-After, lets one trial through after the cool-down, and reports recovery', async () => {
		let clock = 1_000_000;
		const breakers = new CircuitBreakers({ failureThreshold: 3, cooldownMs: 30_000, now: () => clock });
		const recovered: string[] = [];
		breakers.onRecover((key) => recovered.push(key));
		const model = new OpenAIEmbeddingModel({ provider: 'openai-compatible', modelId: 'm', baseUrl: server.baseUrl, resolveSecret: () => undefined, maxRetries: 0, breakers });
		server.script(...Array.from({ length: 3 }, () => ({ kind: 'status' as const, status: 503 })));
		for (let i = 0; i < 3; i++) await expect(model.embed(['x'])).rejects.toMatchObject({ statusCode: 503 });
		expect(breakers.state(server.baseUrl)).toBe('open');

		const refused = await model.embed(['x']).catch((e: unknown) => e);
		expect(refused).toMatchObject({ code: 'PROVIDER_CIRCUIT_OPEN', retryable: true, status: 503, retryAfterMs: 30_000 });
		expect(server.requests).toHaveLength(3);

		clock += 30_000;
		expect(breakers.state(server.baseUrl)).toBe('half-open');
		await expect(model.embed(['x'])).resolves.toMatchObject({ embeddings: [expect.any(Array)] });
		expect(breakers.state(server.baseUrl)).toBe('closed');
		expect(recovered).toEqual([server.baseUrl]);
	});

	it('a failed trial opens the circuit again; refusals (4xx) do not count as outages', async () => {
		let clock = 0;
		const breakers = new CircuitBreakers({ failureThreshold: 2, cooldownMs: 10_000, now: () => clock });
		const model = new OpenAIEmbeddingModel({ provider: 'openai-compatible', modelId: 'm', baseUrl: server.baseUrl, resolveSecret: () => undefined, maxRetries: 0, breakers });
		server.script({ kind: 'status', status: 500 }, { kind: 'status', status: 400 }, { kind: 'status', status: 500 });
		for (let i = 0; i < 3; i++) await model.embed(['x']).catch(() => undefined);
		expect(breakers.state(server.baseUrl)).toBe('closed');
		server.script({ kind: 'status', status: 500 }, { kind: 'status', status: 500 });
		await model.embed(['x']).catch(() => undefined);
		expect(breakers.state(server.baseUrl)).toBe('open');
		clock += 10_000;
		await model.embed(['x']).catch(() => undefined);
		expect(breakers.state(server.baseUrl)).toBe('open');
	});
});
