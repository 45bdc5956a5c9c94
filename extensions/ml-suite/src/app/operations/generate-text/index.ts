import { defineSuiteOperationApp, overviewOf } from '../define-suite-operation-app.js';
import { registryOption } from '../shared-options.js';

export default defineSuiteOperationApp({
	id: 'ml-generate-text',
	name: 'Generate text',
	icon: 'auto_awesome',
	description: 'Generate text from a prompt template filled with the item data. The result’s `content` feeds the next operation.',
	overview: ({ prompt, template, model }) => [
		{ label: 'Prompt', text: prompt ? String(prompt) : template ? 'Inline template' : '—' },
		overviewOf.model(model),
	],
	options: [
		registryOption('prompt', 'Stored prompt', 'prompts', { note: 'An active prompt of ml_prompts (by name). Empty = the inline template below.' }),
		registryOption('model', 'Chat model', 'models', { task: 'chat', note: 'Empty = the prompt’s model, else the default.' }),
		{
			field: 'template',
			name: 'Inline template',
			type: 'text',
			meta: {
				width: 'full',
				interface: 'input-code',
				options: { language: 'plaintext', lineWrapping: true, placeholder: 'Write a one-line teaser for: {{$trigger.payload.title}}' },
				note: 'Overrides the stored prompt’s template. Directus fills flow paths such as {{$trigger.payload.title}} or {{$last.content}} before this runs (unknown paths become empty). Bare {{field}} placeholders work in stored prompts, which read the trigger payload’s fields and the variables below.',
			},
		},
		{
			field: 'systemPrompt',
			name: 'System prompt',
			type: 'text',
			meta: { width: 'full', interface: 'input-multiline', note: 'Overrides the stored prompt’s system prompt.' },
		},
		{
			field: 'variables',
			name: 'Variables',
			type: 'json',
			meta: { width: 'full', interface: 'input-code', options: { language: 'json', placeholder: '{ "tone": "friendly" }' }, note: 'Extra variables; they win over payload fields.' },
		},
		{
			field: 'maxTokens',
			name: 'Max tokens',
			type: 'integer',
			meta: { width: 'half', interface: 'input', options: { min: 1 } },
		},
		{
			field: 'temperature',
			name: 'Temperature',
			type: 'float',
			meta: { width: 'half', interface: 'input', options: { min: 0, max: 2, step: 0.1 } },
		},
	],
});
