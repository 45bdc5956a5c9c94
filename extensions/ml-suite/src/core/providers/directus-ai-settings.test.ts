import knexFactory from 'knex';
import { describe, expect, it } from 'vitest';
import { DIRECTUS_AI_SECRETS, directusAiSecret, offerDirectusAiModels, parseDirectusAiSettings } from './directus-ai-settings.js';

describe('Directus AI settings', () => {
	const row = {
		ai_openai_api_key: 'sk-live-123',
		ai_openai_allowed_models: '["gpt-5.4-mini","gpt-5.4"]',
		ai_openai_compatible_api_key: null,
		ai_openai_compatible_base_url: 'http://localhost:11434/v1',
		ai_openai_compatible_name: 'Ollama',
		ai_openai_compatible_models: [{ id: 'llama3.2', name: 'Llama 3.2', context: 128000 }],
	};

	it('parses the settings row and resolves only the settings secret names', () => {
		const settings = parseDirectusAiSettings(row);
		expect(settings.openai).toEqual({ apiKey: 'sk-live-123', models: ['gpt-5.4-mini', 'gpt-5.4'] });
		expect(settings.openaiCompatible?.models).toEqual([{ id: 'llama3.2', name: 'Llama 3.2', context: 128000 }]);
		expect(directusAiSecret(settings, DIRECTUS_AI_SECRETS.openai)).toBe('sk-live-123');
		expect(directusAiSecret(settings, 'OPENAI_API_KEY')).toBeUndefined();
		expect(directusAiSecret(null, DIRECTUS_AI_SECRETS.openai)).toBeUndefined();
	});

	it('reads an empty row (Directus 11 has no such fields) as nothing configured', () => {
		expect(parseDirectusAiSettings(undefined)).toEqual({ openai: null, openaiCompatible: null });
	});

	it('offers each model once, never as default, linked by name and never holding the key', async () => {
		const knex = knexFactory({ client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
		try {
			await knex.schema.createTable('ml_models', (t) => {
				t.string('id').primary();
				for (const c of ['status', 'task', 'provider', 'model_id', 'name', 'base_url', 'api_key_env', 'description']) t.string(c);
				t.boolean('is_default');
				t.integer('context_window');
				t.timestamp('date_created');
				t.timestamp('date_updated');
			});
			const settings = parseDirectusAiSettings(row);
			expect(await offerDirectusAiModels(knex, settings)).toHaveLength(3);
			expect(await offerDirectusAiModels(knex, settings)).toEqual([]);
			const rows = await knex('ml_models').select('*');
			expect(rows.every((r) => !r.is_default)).toBe(true);
			expect(JSON.stringify(rows)).not.toContain('sk-live-123');
			await offerDirectusAiModels(knex, parseDirectusAiSettings({ ...row, ai_openai_compatible_base_url: 'http://gpu-box:8000/v1' }));
			expect((await knex('ml_models').where('model_id', 'llama3.2').first()).base_url).toBe('http://gpu-box:8000/v1');
		} finally {
			await knex.destroy();
		}
	});
});
