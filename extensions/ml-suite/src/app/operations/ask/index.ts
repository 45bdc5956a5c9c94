import { defineOperationApp } from '@directus/extensions-sdk';
import { localizedDefinition, tr } from '../../i18n/localized-definition.js';
import { modeOption, permissionsOption, registryOption } from '../shared-options.js';

export default defineOperationApp(
	localizedDefinition({
		id: 'ml-ask',
		name: 'Ask (RAG)',
		icon: 'question_answer',
		description: 'Answer a question from the indexed content, with citations that link to the items.',
		overview: ({ question, indexes, mode }) => [
			{ label: 'Question', text: String(question ?? '') },
			{ label: 'Indexes', text: indexes ? String(indexes) : tr('All') },
			{ label: 'Mode', text: String(mode ?? 'hybrid') },
		],
		options: [
			{
				field: 'question',
				name: 'Question',
				type: 'text',
				meta: { width: 'full', interface: 'input-multiline', required: true, note: 'Use {{$trigger.payload.field}} or {{$last.field}} to ask about flow data.' },
			},
			registryOption('indexes', 'Indexes', 'indexes', { multiple: true, note: 'Empty = every index the permissions can read.' }),
			modeOption('Retrieval', 'hybrid'),
			{
				field: 'limit',
				name: 'Passages',
				type: 'integer',
				meta: { width: 'half', interface: 'input', options: { min: 1, max: 50 }, note: 'Passages retrieved (1–50). Default 5.' },
				schema: { default_value: 5 },
			},
			permissionsOption('Whose read permissions decide which items can be quoted.'),
			{
				field: 'filter',
				name: 'Filter',
				type: 'json',
				meta: { width: 'full', interface: 'input-code', options: { language: 'json', placeholder: '{ "status": { "_eq": "published" } }' }, note: 'Directus filter on the items.' },
			},
			registryOption('model', 'Chat model', 'models', { task: 'chat', note: 'Empty = the default; without a chat model the answer quotes passages.' }),
			{
				field: 'failWhenNoAnswer',
				name: 'Fail when no answer',
				type: 'boolean',
				meta: { width: 'half', interface: 'boolean', options: { label: 'Take the reject path when nothing relevant is found' } },
				schema: { default_value: false },
			},
			{
				field: 'systemPrompt',
				name: 'Persona',
				type: 'text',
				meta: { width: 'full', interface: 'input-multiline', note: 'Optional system prompt. The grounding and citation rules are always added.' },
			},
		],
	}),
);
