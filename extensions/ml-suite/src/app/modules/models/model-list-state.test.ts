import { describe, expect, it } from 'vitest';
import type { ModelListEntry } from '../../../shared/model-types.js';
import { applyListQuery, isUnused, validateModelForm, type ListQuery, type ModelFormValues } from './model-list-state.js';

function model(over: Partial<ModelListEntry>): ModelListEntry {
	return {
		id: over.name ?? 'x',
		name: 'x',
		provider: 'local',
		task: 'embedding',
		modelId: 'm',
		baseUrl: null,
		apiKeyEnv: null,
		dimensions: 384,
		isDefault: false,
		status: 'active',
		health: 'untested',
		lastTest: null,
		usage24h: { calls: 0, errors: 0 },
		versions: { versions: 0, active: null },
		indexes: 0,
		...over,
	} as ModelListEntry;
}

const query = (over: Partial<ListQuery> = {}): ListQuery => ({ search: '', task: null, provider: null, health: null, status: null, sort: { by: 'name', desc: false }, page: 1, perPage: 2, ...over });

describe('applyListQuery', () => {
	const all = [
		model({ name: 'Bravo', task: 'chat', provider: 'openai', modelId: 'gpt-4o-mini', health: 'healthy', usage24h: { calls: 5, errors: 0 } }),
		model({ name: 'alpha', health: 'failing', usage24h: { calls: 9, errors: 2 } }),
		model({ name: 'Charlie', task: 'classification', modelId: 'topics', status: 'disabled' }),
	];

	it('searches name, model id and provider; filters by task, provider, health and status', () => {
		expect(applyListQuery(all, query({ search: 'GPT' })).rows.map((m) => m.name)).toEqual(['Bravo']);
		expect(applyListQuery(all, query({ task: 'classification' })).rows.map((m) => m.name)).toEqual(['Charlie']);
		expect(applyListQuery(all, query({ health: 'failing' })).rows.map((m) => m.name)).toEqual(['alpha']);
		expect(applyListQuery(all, query({ status: 'active', provider: 'local' })).rows.map((m) => m.name)).toEqual(['alpha']);
	});

	it('sorts case-insensitively either way, and pages', () => {
		const first = applyListQuery(all, query());
		expect(first.rows.map((m) => m.name)).toEqual(['alpha', 'Bravo']);
		expect(first.pages).toBe(2);
		expect(applyListQuery(all, query({ page: 2 })).rows.map((m) => m.name)).toEqual(['Charlie']);
		expect(applyListQuery(all, query({ sort: { by: 'usage', desc: true }, perPage: 10 })).rows.map((m) => m.name)).toEqual(['alpha', 'Bravo', 'Charlie']);
		expect(applyListQuery(all, query({ sort: { by: 'health', desc: false }, perPage: 10 })).rows.map((m) => m.health)).toEqual(['failing', 'untested', 'healthy']);
		// A page past the end shows the last page.
		expect(applyListQuery(all, query({ page: 9 })).rows.map((m) => m.name)).toEqual(['Charlie']);
	});
});

describe('isUnused', () => {
	it('keeps defaults, models used in the last 24 h, models an index embeds with and classifiers with an active version', () => {
		expect(isUnused(model({}))).toBe(true);
		expect(isUnused(model({ isDefault: true }))).toBe(false);
		expect(isUnused(model({ usage24h: { calls: 1, errors: 0 } }))).toBe(false);
		expect(isUnused(model({ indexes: 1 }))).toBe(false);
		expect(isUnused(model({ versions: { versions: 2, active: 1 } }))).toBe(false);
	});
});

describe('cleared inputs (Directus inputs emit null when emptied)', () => {
	it('a cleared search lists every model', () => {
		const models = [model({ name: 'alpha' }), model({ name: 'beta' })];
		expect(applyListQuery(models, query({ search: null as unknown as string })).total).toBe(2);
	});
});

describe('validateModelForm', () => {
	const valid: ModelFormValues = {
		name: 'Embeddings',
		task: 'embedding',
		provider: 'openai-compatible',
		model_id: 'nomic-embed-text',
		base_url: 'http://localhost:11434/v1',
		api_key_env: null,
		dimensions: 768,
		max_input_tokens: null,
		max_batch_size: null,
		context_window: null,
		max_output_tokens: null,
		max_request_inputs: null,
		max_input_chars: null,
		input_price_per_million: 0,
		output_price_per_million: 0,
		audio_price_per_minute: 0,
		description: null,
		status: 'active',
	};

	it('accepts a valid row and names each invalid field', () => {
		expect(validateModelForm(valid)).toEqual({});
		expect(validateModelForm({ ...valid, name: ' ', base_url: null, dimensions: 0, input_price_per_million: -1 })).toEqual({
			name: 'required',
			base_url: 'base_url_required',
			dimensions: 'positive_integer',
			input_price_per_million: 'non_negative',
		});
		expect(validateModelForm({ ...valid, base_url: 'file:///etc/passwd' }).base_url).toBe('base_url_http');
		expect(validateModelForm({ ...valid, task: 'embedding', dimensions: null }).dimensions).toBe('dimensions_required');
		// A text input the user emptied reports null.
		expect(validateModelForm({ ...valid, name: null as unknown as string, model_id: null as unknown as string })).toEqual({ name: 'required', model_id: 'required' });
		// A number input with text in it.
		expect(validateModelForm({ ...valid, max_input_chars: Number('12a') })).toEqual({ max_input_chars: 'positive_integer' });
	});

	it('checks the caps (whole numbers from 1, output within the context window) and the audio price', () => {
		expect(validateModelForm({ ...valid, max_output_tokens: 512, max_request_inputs: 64, max_input_chars: 8000, context_window: 4096, audio_price_per_minute: 0.006 })).toEqual({});
		expect(validateModelForm({ ...valid, max_output_tokens: 0, max_request_inputs: 2.5, max_input_chars: -3, audio_price_per_minute: -0.1 })).toEqual({
			max_output_tokens: 'positive_integer',
			max_request_inputs: 'positive_integer',
			max_input_chars: 'positive_integer',
			audio_price_per_minute: 'non_negative',
		});
		expect(validateModelForm({ ...valid, max_output_tokens: 9000, context_window: 8192 }).max_output_tokens).toBe('output_over_context');
		expect(validateModelForm({ ...valid, max_output_tokens: 9000, context_window: null })).toEqual({});
	});

	it('wants a variable name (never a key) and a key variable for OpenAI', () => {
		expect(validateModelForm({ ...valid, api_key_env: 'sk-live-abc' }).api_key_env).toBe('key_env_name');
		expect(validateModelForm({ ...valid, api_key_env: 'OPENAI_API_KEY' })).toEqual({});
		expect(validateModelForm({ ...valid, provider: 'openai', base_url: null, api_key_env: null }).api_key_env).toBe('key_env_required');
	});
});
