import { describe, expect, it } from 'vitest';
import { registryChoices, registryRequest } from './registry-choices.js';

describe('registry choices', () => {
	it('lists active models of one task, default first', () => {
		const { path, params } = registryRequest('models', 'chat');
		expect(path).toBe('/items/ml_models');
		expect(params.filter).toEqual({ _and: [{ status: { _eq: 'active' } }, { task: { _eq: 'chat' } }] });
		expect(registryChoices('models', [{ name: 'Mini', model_id: 'gpt-4o-mini', provider: 'openai', is_default: true }])).toEqual([{ value: 'gpt-4o-mini', text: 'Mini (openai/gpt-4o-mini) · default' }]);
	});

	it('names indexes by label with their name and collection, and prompts once per name', () => {
		expect(registryChoices('indexes', [{ name: 'articles', label: 'Articles', collection: 'articles' }])).toEqual([{ value: 'articles', text: 'Articles (articles · articles)' }]);
		expect(registryChoices('prompts', [{ name: 'rag', version: 3, task: 'rag' }, { name: 'rag', version: 2, task: 'rag' }]).map((c) => c.value)).toEqual(['rag']);
	});
});
