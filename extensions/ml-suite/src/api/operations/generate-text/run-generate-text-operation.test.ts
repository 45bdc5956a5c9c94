import { describe, expect, it } from 'vitest';
import { InvalidPayloadError, NotConfiguredError } from '../../../core/errors.js';
import { DEFAULT_PROMPTS, type PromptRecord } from '../../../core/prompts/default-prompts.js';
import type { ChatModel, ChatRequest, ModelDefinition } from '../../../core/providers/types.js';
import { runGenerateTextOperation, type GenerateTextOperationDeps } from './run-generate-text-operation.js';

const model: ChatModel = {
	provider: 'fake',
	modelId: 'fake-1',
	contextWindow: 4000,
	maxOutputTokens: 256,
	complete: async () => ({ content: 'unused', finishReason: 'stop', usage: { inputTokens: 1, outputTokens: 1, latencyMs: 1 } }),
	stream: async function* () {},
};
const definition = { id: 'm1', modelId: 'fake-1', inputPricePerMillion: 0, outputPricePerMillion: 0 } as ModelDefinition;

function deps(overrides: Partial<GenerateTextOperationDeps> = {}) {
	const requests: ChatRequest[] = [];
	const modelsAsked: (string | undefined)[] = [];
	const value: GenerateTextOperationDeps = {
		prompts: { getActive: async (name) => ({ ...(DEFAULT_PROMPTS[2] as PromptRecord), name, model: 'from-prompt', version: 4 }) },
		chatModel: async (id) => {
			modelsAsked.push(id);
			return { model, definition };
		},
		complete: async (_chat, request) => {
			requests.push(request);
			return { content: `echo: ${request.messages.at(-1)?.content ?? ''}`, finishReason: 'stop', usage: { inputTokens: 10, outputTokens: 5, latencyMs: 3 } };
		},
		data: { $trigger: { payload: { title: 'Hello', body: 'World' } }, $last: { n: 2 } },
		...overrides,
	};
	return { value, requests, modelsAsked };
}

describe('runGenerateTextOperation', () => {
	it('renders an inline template with the trigger payload and returns content for the next operation', async () => {
		const { value, requests, modelsAsked } = deps();
		const result = await runGenerateTextOperation({ template: 'Title: {{title}} / {{$last.n}} / {{extra}}', variables: '{"extra":"x"}', systemPrompt: 'Be {{title}}' }, value);
		expect(result).toEqual({ content: 'echo: Title: Hello / 2 / x', model: 'fake-1', finishReason: 'stop', usage: { inputTokens: 10, outputTokens: 5, latencyMs: 3 }, prompt: null });
		expect(requests[0]?.messages).toEqual([
			{ role: 'system', content: 'Be Hello' },
			{ role: 'user', content: 'Title: Hello / 2 / x' },
		]);
		expect(modelsAsked).toEqual([undefined]);
	});

	it('uses a stored prompt: its template, system prompt and model', async () => {
		const { value, requests, modelsAsked } = deps();
		const result = await runGenerateTextOperation({ prompt: 'summarize', variables: { text: 'Long text' } }, value);
		expect(result.prompt).toEqual({ name: 'summarize', version: 4 });
		expect(requests[0]?.messages[0]?.role).toBe('system');
		expect(requests[0]?.messages[1]?.content).toContain('Long text');
		expect(modelsAsked).toEqual(['from-prompt']);
	});

	it("applies the model's caps as the routes do: max_tokens above max_output_tokens and over-long prompts are refused, no call is made", async () => {
		const capped = { ...definition, name: 'Capped chat', maxOutputTokens: 100, maxInputChars: 40 } as ModelDefinition;
		const { value, requests } = deps({ chatModel: async () => ({ model, definition: capped }) });
		await expect(runGenerateTextOperation({ template: 'Short {{title}}', maxTokens: 200 }, value)).rejects.toMatchObject({ code: 'MODEL_LIMIT_EXCEEDED', status: 400 });
		await expect(runGenerateTextOperation({ template: 'A prompt that is longer than forty characters: {{body}}' }, value)).rejects.toMatchObject({ code: 'MODEL_LIMIT_EXCEEDED' });
		expect(requests).toHaveLength(0);
		await runGenerateTextOperation({ template: 'Short {{title}}' }, value);
		expect(requests[0]?.maxTokens).toBe(100);
	});

	it('names missing variables and requires a prompt or template', async () => {
		const { value } = deps();
		await expect(runGenerateTextOperation({ template: '{{nope}}' }, value)).rejects.toThrow(/"nope"/);
		await expect(runGenerateTextOperation({ template: '' }, value)).rejects.toBeInstanceOf(InvalidPayloadError);
	});

	it('surfaces NotConfiguredError instead of inventing text', async () => {
		const { value } = deps({ chatModel: async () => Promise.reject(new NotConfiguredError('No chat model is configured.')) });
		await expect(runGenerateTextOperation({ template: 'hi' }, value)).rejects.toBeInstanceOf(NotConfiguredError);
	});
});
