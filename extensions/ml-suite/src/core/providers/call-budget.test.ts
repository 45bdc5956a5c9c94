import { describe, expect, it } from 'vitest';
import { useFakeOpenAIServer } from '../../../../../test/fakes/use-openai-server.js';
import { DeadlineExceededError, deadlineSignal, withCallBudget } from './call-budget.js';
import { OpenAIChatModel } from './openai-chat-model.js';
import { OpenAIEmbeddingModel } from './openai-embedding-model.js';

const server = useFakeOpenAIServer({ dimensions: 8 });

/** A provider that never answers (each scripted fault holds one request). */
const hang = (requests: number): void => server.script(...Array.from({ length: requests }, () => ({ kind: 'delay' as const, ms: 120_000 })));

// The patient budget a background job gets: several attempts.
const options = { provider: 'openai-compatible' as const, modelId: 'slow', baseUrl: '', resolveSecret: () => undefined, timeoutMs: 250, maxRetries: 3 };

describe('interactive call budget (real openai SDK against a hung OpenAI-compatible server)', () => {
	it('without a budget (a job), a hung provider is tried patiently: every configured attempt', async () => {
		hang(10);
		const model = new OpenAIEmbeddingModel({ ...options, baseUrl: server.baseUrl });
		await expect(model.embed(['x'])).rejects.toMatchObject({ code: 'PROVIDER_TIMEOUT', status: 504 });
		expect(server.requests).toHaveLength(4);
	});

	it('inside a request, the interactive per-attempt timeout and retries apply instead', async () => {
		hang(10);
		const model = new OpenAIEmbeddingModel({ ...options, baseUrl: server.baseUrl, timeoutMs: 60_000, maxRetries: 4 });
		const error = await withCallBudget({ timeoutMs: 200, maxRetries: 1 }, () => model.embed(['x'])).catch((e: unknown) => e);
		expect(error).toMatchObject({ code: 'PROVIDER_TIMEOUT', status: 504, retryable: true });
		expect(server.requests).toHaveLength(2);
	});

	it('the overall deadline ends a request with 504 DEADLINE_EXCEEDED, closing the upstream request', async () => {
		hang(10);
		const model = new OpenAIChatModel({ ...options, baseUrl: server.baseUrl, timeoutMs: 60_000, maxRetries: 4 });
		const deadline = deadlineSignal(300);
		const error = await withCallBudget({ timeoutMs: 60_000, maxRetries: 4, deadline: deadline.signal }, () =>
			model.complete({ messages: [{ role: 'user', content: 'hi' }] }),
		).catch((e: unknown) => e);
		deadline.cancel();
		expect(error).toBeInstanceOf(DeadlineExceededError);
		expect(error).toMatchObject({ status: 504, code: 'DEADLINE_EXCEEDED' });
		expect(server.requests).toHaveLength(1);
		await server.requests[0]!.settled;
		expect(server.requests[0]!.closedByClient).toBe(true);
	});

	it('the budget follows the request through awaits, and does not leak into work started outside it', async () => {
		hang(10);
		const model = new OpenAIEmbeddingModel({ ...options, baseUrl: server.baseUrl, timeoutMs: 200, maxRetries: 2 });
		const inside = withCallBudget({ timeoutMs: 200, maxRetries: 0 }, async () => {
			await new Promise((resolve) => setTimeout(resolve, 5));
			return model.embed(['inside']).catch((e: unknown) => e);
		});
		await inside;
		const insideRequests = server.requests.filter((r) => JSON.stringify(r.body).includes('inside')).length;
		await model.embed(['outside']).catch(() => undefined);
		const outsideRequests = server.requests.filter((r) => JSON.stringify(r.body).includes('outside')).length;
		expect({ insideRequests, outsideRequests }).toEqual({ insideRequests: 1, outsideRequests: 3 });
	});
});
