import knexFactory, { type Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../config.js';
import { InvalidPayloadError, NotConfiguredError, NotFoundError } from '../errors.js';
import { LocalEmbeddingModel } from './local-embedding-model.js';
import { ModelRegistry } from './model-registry.js';
import { OpenAIChatModel } from './openai-chat-model.js';
import { OpenAIEmbeddingModel } from './openai-embedding-model.js';

let knex: Knex;
let registry: ModelRegistry;

async function createModelsTable(db: Knex): Promise<void> {
	await db.schema.createTable('ml_models', (t) => {
		t.uuid('id').primary();
		t.string('name').notNullable();
		t.string('provider').notNullable();
		t.string('task').notNullable();
		t.string('model_id').notNullable();
		t.string('base_url');
		t.string('api_key_env');
		t.integer('dimensions');
		t.integer('max_input_tokens');
		t.integer('max_batch_size');
		t.integer('context_window');
		t.decimal('input_price_per_million', 12, 6);
		t.decimal('output_price_per_million', 12, 6);
		t.decimal('audio_price_per_minute', 12, 6);
		t.boolean('is_default').defaultTo(false);
		t.string('status').defaultTo('active');
		t.text('description');
		t.integer('sort');
		t.timestamp('date_created');
		t.timestamp('date_updated');
	});
}

beforeEach(async () => {
	knex = knexFactory({ client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
	await createModelsTable(knex);
	registry = new ModelRegistry({ knex, factory: { resolveSecret: (name) => (name === 'OPENAI_API_KEY' ? 'sk-test' : undefined) } });
});
afterEach(async () => {
	await knex.destroy();
});

describe('ModelRegistry', () => {
	it('seeds the env defaults once and builds the local embedding model from them', async () => {
		const { config } = parseConfig({});
		const created = await registry.seedFromConfig(config);
		expect(created).toHaveLength(1);
		expect(await registry.seedFromConfig(config)).toEqual([]);
		expect(await knex('ml_models').count({ n: '*' })).toEqual([{ n: 1 }]);

		const def = await registry.getDefault('embedding');
		expect(def).toMatchObject({ provider: 'local', task: 'embedding', modelId: 'local-hash-384', dimensions: 384, isDefault: true, status: 'active', apiKeyEnv: null });
		const { model } = await registry.embeddingModel();
		expect(model).toBeInstanceOf(LocalEmbeddingModel);
		expect(model.dimensions).toBe(384);
		expect((await registry.embeddingModel()).model).toBe(model);
		registry.invalidate();
		expect((await registry.embeddingModel()).model).not.toBe(model);
	});

	it('names the settings to change when no chat model is configured', async () => {
		await registry.seedFromConfig(parseConfig({}).config);
		const error = await registry.chatModel().catch((e: unknown) => e);
		expect(error).toBeInstanceOf(NotConfiguredError);
		expect((error as Error).message).toMatch(/ML_CHAT_PROVIDER.*ML_CHAT_MODEL.*OPENAI_API_KEY/);
	});

	it('seeds a chat model with known prices when ML_CHAT_PROVIDER is set, and never overwrites admin edits', async () => {
		const { config } = parseConfig({ ML_CHAT_PROVIDER: 'openai', ML_CHAT_MODEL: 'gpt-4o-mini', ML_EMBEDDING_PROVIDER: 'openai', ML_EMBEDDING_MODEL: 'text-embedding-3-small', ML_EMBEDDING_DIMENSIONS: '1536' });
		expect(await registry.seedFromConfig(config)).toHaveLength(2);
		const chat = await registry.getDefault('chat');
		expect(chat).toMatchObject({ provider: 'openai', modelId: 'gpt-4o-mini', apiKeyEnv: 'OPENAI_API_KEY', inputPricePerMillion: 0.15, outputPricePerMillion: 0.6 });
		expect((await registry.chatModel()).model).toBeInstanceOf(OpenAIChatModel);
		expect((await registry.embeddingModel('text-embedding-3-small')).model).toBeInstanceOf(OpenAIEmbeddingModel);

		await knex('ml_models').where({ id: chat.id }).update({ input_price_per_million: 9, name: 'Edited' });
		expect(await registry.seedFromConfig({ ...config, ML_CHAT_MODEL: 'gpt-4o' })).toEqual([]);
		registry.invalidate();
		expect(await registry.get(chat.id)).toMatchObject({ name: 'Edited', inputPricePerMillion: 9, modelId: 'gpt-4o-mini' });
	});

	it('seeds one default row per configured task, named and described after its settings', async () => {
		const { config } = parseConfig({ ML_CHAT_PROVIDER: 'openai-compatible', ML_CHAT_MODEL: 'llama3', ML_CHAT_BASE_URL: 'http://127.0.0.1:11434/v1', ML_TRANSCRIPTION_PROVIDER: 'openai', ML_TRANSCRIPTION_MODEL: 'whisper-1' });
		expect(await registry.seedFromConfig(config)).toHaveLength(3);
		const rows = await knex('ml_models').orderBy('task').select('name', 'task', 'provider', 'base_url', 'api_key_env', 'max_input_tokens', 'input_price_per_million', 'output_price_per_million', 'audio_price_per_minute', 'description');
		expect(rows).toMatchObject([
			{ name: 'Default chat (llama3)', task: 'chat', provider: 'openai-compatible', base_url: 'http://127.0.0.1:11434/v1', input_price_per_million: 0, output_price_per_million: 0, description: expect.stringContaining('ML_CHAT_*') },
			{ name: 'Default embeddings (local-hash-384)', task: 'embedding', provider: 'local', base_url: null, api_key_env: null, max_input_tokens: 8192, description: expect.stringContaining('ML_EMBEDDING_*') },
			{ name: 'Default transcription (whisper-1)', task: 'transcription', provider: 'openai', api_key_env: 'OPENAI_API_KEY', input_price_per_million: 0, audio_price_per_minute: 0.006, description: expect.stringContaining('ML_TRANSCRIPTION_*') },
		]);
	});

	it('finds models by id or model id, lists by task, and rejects unknown, disabled or wrong-task models', async () => {
		await knex('ml_models').insert([
			{ id: '00000000-0000-4000-8000-000000000001', name: 'B local', provider: 'local', task: 'embedding', model_id: 'local-hash-64', dimensions: 64, is_default: true, status: 'active', sort: 2 },
			{ id: '00000000-0000-4000-8000-000000000002', name: 'A chat', provider: 'openai-compatible', task: 'chat', model_id: 'llama3', base_url: 'http://127.0.0.1:11434/v1', is_default: false, status: 'active', sort: 1 },
			{ id: '00000000-0000-4000-8000-000000000003', name: 'C off', provider: 'local', task: 'embedding', model_id: 'local-hash-32', dimensions: 32, status: 'disabled', sort: 3 },
			{ id: '00000000-0000-4000-8000-000000000004', name: 'D weird', provider: 'huggingface', task: 'embedding', model_id: 'x', sort: 4 },
		]);
		expect((await registry.list()).map((d) => d.name)).toEqual(['A chat', 'B local', 'C off']);
		expect((await registry.list('embedding')).map((d) => d.modelId)).toEqual(['local-hash-64', 'local-hash-32']);
		expect((await registry.get('llama3')).id).toBe('00000000-0000-4000-8000-000000000002');
		expect((await registry.embeddingModel('00000000-0000-4000-8000-000000000001')).model.dimensions).toBe(64);
		await expect(registry.get('nope')).rejects.toBeInstanceOf(NotFoundError);
		await expect(registry.embeddingModel('local-hash-32')).rejects.toThrow(/disabled/);
		await expect(registry.embeddingModel('llama3')).rejects.toBeInstanceOf(InvalidPayloadError);
		await expect(registry.getDefault('chat')).rejects.toBeInstanceOf(NotConfiguredError);
		// A compatible chat model needs no key.
		expect((await registry.chatModel('llama3')).model.provider).toBe('openai-compatible');
	});
});
