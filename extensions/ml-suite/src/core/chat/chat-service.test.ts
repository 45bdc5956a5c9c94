import { describe, expect, it } from 'vitest';
import { ForbiddenError, ProviderError } from '../errors.js';
import type { ChatModel, ChatRequest, ChatResult, ModelDefinition } from '../providers/types.js';
import type { CallOrigin, UsageEvent } from '../usage/types.js';
import { ChatService } from './chat-service.js';

function model(fail?: Error): ChatModel {
	return {
		provider: 'openai',
		modelId: 'gpt-test',
		contextWindow: 1000,
		maxOutputTokens: 400,
		async complete(_request: ChatRequest): Promise<ChatResult> {
			if (fail) throw fail;
			return { content: 'ok', finishReason: 'stop', usage: { inputTokens: 1_000_000, outputTokens: 500_000, latencyMs: 7 } };
		},
		async *stream() {
			yield { type: 'done', finishReason: 'stop', usage: { inputTokens: 0, outputTokens: 0, latencyMs: 0 } };
		},
	};
}

const definition = { id: 'm1', modelId: 'gpt-test', inputPricePerMillion: 2, outputPricePerMillion: 4, maxOutputTokens: 100 } as ModelDefinition;
const origin: CallOrigin = { user: 'u1', sourceType: 'route', source: 'route:POST /ml/generation/text' };

/** Usage is recorded off the response path: wait for the pricing promise. */
const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function setup(options: { model?: ChatModel; allowed?: boolean; prices?: Record<string, Pick<ModelDefinition, 'inputPricePerMillion' | 'outputPricePerMillion'>> } = {}) {
	const events: UsageEvent[] = [];
	const checked: string[] = [];
	const chat = new ChatService<{ user: string }>({
		models: {
			chatModel: async () => ({ model: options.model ?? model(), definition }),
			get: async (id) => {
				const row = options.prices?.[id];
				if (!row) throw new Error(`no model ${id}`);
				return row;
			},
		},
		assertAccess: async (caller) => {
			checked.push(caller.user);
			if (options.allowed === false) throw new ForbiddenError();
		},
		record: (event) => events.push(event),
		estimate: (text) => text.length,
	});
	return { chat, events, checked };
}

describe('ChatService', () => {
	it("gives a caller the model only when they may use it", async () => {
		const { chat, checked } = setup();
		expect((await chat.requireModel(undefined, { user: 'u1' })).definition).toBe(definition);
		expect(checked).toEqual(['u1']);
		await expect(setup({ allowed: false }).chat.requireModel('m1', { user: 'u2' })).rejects.toMatchObject({ status: 403 });
	});

	it("asks for the row's cap when the request does not say, refuses more (400), and refuses prompts that do not fit the context window (413)", async () => {
		const { chat } = setup();
		const chosen = await chat.model();
		expect(chat.fit(chosen, [{ role: 'user', content: 'hi' }], undefined)).toBe(100);
		expect(() => chat.fit(chosen, [{ role: 'user', content: 'hi' }], 300)).toThrow(expect.objectContaining({ status: 400, code: 'MODEL_LIMIT_EXCEEDED' }));
		expect(chat.fit({ model: chosen.model }, [{ role: 'user', content: 'hi' }], 300)).toBe(300);
		expect(chat.fit({ model: chosen.model }, [{ role: 'user', content: 'hi' }], undefined)).toBe(400);
		expect(() => chat.fit(chosen, [{ role: 'user', content: 'x'.repeat(950) }], 100)).toThrow(expect.objectContaining({ status: 413, code: 'PAYLOAD_TOO_LARGE' }));
	});

	it('records a completion priced from its row, and a failed one as an error, rethrowing it', async () => {
		const ok = setup();
		await ok.chat.complete(origin, await ok.chat.model(), { messages: [] });
		await settled();
		expect(ok.events).toEqual([expect.objectContaining({ capability: 'chat', user: 'u1', source: origin.source, model: 'gpt-test', inputTokens: 1_000_000, outputTokens: 500_000, cost: 4, status: 'success', errorCode: null })]);

		const failure = new ProviderError('upstream 500', { provider: 'openai', statusCode: 500, retryable: true });
		const failing = setup({ model: model(failure) });
		await expect(failing.chat.complete(origin, await failing.chat.model(), { messages: [] })).rejects.toBe(failure);
		await settled();
		expect(failing.events).toEqual([expect.objectContaining({ status: 'error', errorCode: failure.code, inputTokens: 0, cost: 0 })]);
	});

	it('prices a reported call by its model id, records cancellations as such, and records at cost 0 when pricing fails', async () => {
		const { chat, events } = setup({ prices: { 'gpt-test': { inputPricePerMillion: 1, outputPricePerMillion: 0 } } });
		chat.record(origin, { provider: 'openai', model: 'gpt-test', usage: { inputTokens: 2_000_000, outputTokens: 0, latencyMs: 1 } });
		chat.record(origin, { provider: 'openai', model: 'gpt-test', usage: { inputTokens: 0, outputTokens: 0, latencyMs: 1 }, error: new Error('aborted'), cancelled: true });
		chat.record(origin, { provider: 'openai', model: 'unknown', usage: { inputTokens: 5, outputTokens: 5, latencyMs: 1 } });
		await settled();
		expect(events.map((e) => [e.model, e.cost, e.status, e.errorCode])).toEqual([
			['gpt-test', 2, 'success', null],
			['gpt-test', 0, 'cancelled', null],
			['unknown', 0, 'success', null],
		]);
	});
});
