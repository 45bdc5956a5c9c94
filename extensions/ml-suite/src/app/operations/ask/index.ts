import { defineSuiteOperationApp, overviewOf } from '../define-suite-operation-app.js';
import { filterOption, flowTextOption, registryOption, retrievalOptions, toggleOption } from '../shared-options.js';

export default defineSuiteOperationApp({
	id: 'ml-ask',
	name: 'Ask (RAG)',
	icon: 'question_answer',
	description: 'Answer a question from the indexed content, with citations that link to the items.',
	overview: ({ question, indexes, mode }) => [
		overviewOf.value('Question', question),
		overviewOf.indexes(indexes),
		overviewOf.mode(mode),
	],
	options: [
		flowTextOption('question', 'Question', 'Use {{$trigger.payload.field}} or {{$last.field}} to ask about flow data.'),
		...retrievalOptions('Retrieval', { name: 'Passages', max: 50, defaultValue: 5, what: 'Passages retrieved' }, 'Whose read permissions decide which items can be quoted.'),
		filterOption(),
		registryOption('model', 'Chat model', 'models', { task: 'chat', note: 'Empty = the default; without a chat model the answer quotes passages.' }),
		toggleOption('failWhenNoAnswer', 'Fail when no answer', 'Take the reject path when nothing relevant is found', { defaultValue: false }),
		{
			field: 'systemPrompt',
			name: 'Persona',
			type: 'text',
			meta: { width: 'full', interface: 'input-multiline', note: 'Optional system prompt. The grounding and citation rules are always added.' },
		},
	],
});
