import { defineOperationApp } from '@directus/extensions-sdk';
import { localizedDefinition, tr } from '../../i18n/localized-definition.js';
import { filterOption, indexesOption, limitOption, modeOption, permissionsOption, registryOption } from '../shared-options.js';

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
			indexesOption(),
			modeOption('Retrieval', 'hybrid'),
			limitOption('Passages', 50, 5, 'Passages retrieved'),
			permissionsOption('Whose read permissions decide which items can be quoted.'),
			filterOption(),
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
