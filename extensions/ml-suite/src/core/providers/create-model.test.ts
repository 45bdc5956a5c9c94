import { describe, expect, it } from 'vitest';
import { InvalidPayloadError, NotConfiguredError } from '../errors.js';
import { createChatModel, createEmbeddingModel } from './create-model.js';
import { LocalEmbeddingModel } from './local-embedding-model.js';
import { OpenAIEmbeddingModel } from './openai-embedding-model.js';
import type { ModelDefinition } from './types.js';

const base: ModelDefinition = {
	id: 'm1',
	name: 'Model',
	provider: 'local',
	task: 'embedding',
	modelId: 'local-hash-128',
	baseUrl: null,
	apiKeyEnv: null,
	dimensions: 128,
	maxInputTokens: null,
	maxBatchSize: 16,
	contextWindow: null,
	inputPricePerMillion: 0,
	outputPricePerMillion: 0,
	isDefault: true,
	status: 'active',
};
const deps = { resolveSecret: () => undefined };

describe('createEmbeddingModel / createChatModel', () => {
	it('builds the implementation the provider names, with the row capabilities', () => {
		const local = createEmbeddingModel(base, deps);
		expect(local).toBeInstanceOf(LocalEmbeddingModel);
		expect(local).toMatchObject({ modelId: 'local-hash-128', dimensions: 128, maxBatchSize: 16, maxInputTokens: 8192 });
		const remote = createEmbeddingModel({ ...base, provider: 'openai', modelId: 'text-embedding-3-small', dimensions: null, maxBatchSize: null }, deps);
		expect(remote).toBeInstanceOf(OpenAIEmbeddingModel);
		expect(remote).toMatchObject({ provider: 'openai', dimensions: 1536, maxBatchSize: 256 });
	});

	it('fails the first call, not construction, when the OpenAI key variable is unset', async () => {
		const remote = createEmbeddingModel({ ...base, provider: 'openai', modelId: 'text-embedding-3-small', apiKeyEnv: 'TEAM_OPENAI_KEY' }, deps);
		await expect(remote.embed(['x'])).rejects.toThrow(/set the environment variable TEAM_OPENAI_KEY/);
	});

	it('rejects a model of another task, a local chat model and an unknown provider', () => {
		expect(() => createChatModel(base, deps)).toThrow(InvalidPayloadError);
		expect(() => createChatModel({ ...base, task: 'chat' }, deps)).toThrow(NotConfiguredError);
		expect(() => createEmbeddingModel({ ...base, provider: 'bogus' as ModelDefinition['provider'] }, deps)).toThrow(/Unknown model provider "bogus"/);
	});

	it('asks for a base URL for an openai-compatible model without one', async () => {
		const chat = createChatModel({ ...base, task: 'chat', provider: 'openai-compatible', modelId: 'llama3' }, deps);
		await expect(chat.complete({ messages: [{ role: 'user', content: 'hi' }] })).rejects.toThrow(/no base URL/);
	});
});
