import { defineInterface } from '@directus/extensions-sdk';
import { localizedDefinition } from '../../i18n/localized-definition.js';
import RegistrySelect from './registry-select.vue';

/**
 * A dropdown of the suite's registry: index names, model ids (of one task) or prompt names,
 * read live from ml_indexes / ml_models / ml_prompts. Used by the Flow operation forms and the
 * suite's own collections; a Flow can still type a template such as {{$trigger.index}}.
 */
export default defineInterface(
	localizedDefinition({
		id: 'ml-registry-select',
		name: 'ML registry',
		icon: 'psychology',
		description: 'Choose an index, a model or a prompt of the ML suite.',
		component: RegistrySelect,
		types: ['string', 'csv', 'json'],
		group: 'selection',
		options: [
			{
				field: 'source',
				name: 'Source',
				type: 'string',
				meta: {
					width: 'half',
					interface: 'select-dropdown',
					options: {
						choices: [
							{ text: 'Indexes', value: 'indexes' },
							{ text: 'Models', value: 'models' },
							{ text: 'Prompts', value: 'prompts' },
						],
					},
				},
				schema: { default_value: 'indexes' },
			},
			{
				field: 'task',
				name: 'Model task',
				type: 'string',
				meta: {
					width: 'half',
					interface: 'select-dropdown',
					options: {
						allowNone: true,
						choices: [
							{ text: 'Embedding', value: 'embedding' },
							{ text: 'Chat / generation', value: 'chat' },
							{ text: 'Transcription', value: 'transcription' },
							{ text: 'Classification', value: 'classification' },
						],
					},
				},
			},
			{ field: 'multiple', name: 'Multiple', type: 'boolean', meta: { width: 'half', interface: 'boolean' }, schema: { default_value: false } },
			{ field: 'placeholder', name: 'Placeholder', type: 'string', meta: { width: 'half', interface: 'input' } },
		],
	}),
);
