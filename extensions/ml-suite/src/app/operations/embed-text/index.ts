import { defineOperationApp } from '@directus/extensions-sdk';
import { localizedDefinition, tr } from '../../i18n/localized-definition.js';
import { registryOption } from '../shared-options.js';

export default defineOperationApp(
	localizedDefinition({
		id: 'ml-embed-text',
		name: 'Embed text',
		icon: 'scatter_plot',
		description: 'Turn a text into an embedding vector with the default or a chosen embedding model.',
		overview: ({ text, model }) => [
			{ label: 'Text', text: String(text ?? '') },
			{ label: 'Model', text: model ? String(model) : tr('Default') },
		],
		options: [
			{
				field: 'text',
				name: 'Text',
				type: 'text',
				meta: {
					width: 'full',
					interface: 'input-multiline',
					required: true,
					note: 'Use {{$trigger.payload.body}} or {{$last.content}} to embed flow data. The result is {embedding, model, dimensions, tokensUsed}.',
				},
			},
			registryOption('model', 'Embedding model', 'models', { task: 'embedding', note: 'Empty = the default.' }),
		],
	}),
);
