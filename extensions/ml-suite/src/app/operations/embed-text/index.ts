import { defineSuiteOperationApp, overviewOf } from '../define-suite-operation-app.js';
import { flowTextOption, registryOption } from '../shared-options.js';

export default defineSuiteOperationApp({
	id: 'ml-embed-text',
	name: 'Embed text',
	icon: 'scatter_plot',
	description: 'Turn a text into an embedding vector with the default or a chosen embedding model.',
	overview: ({ text, model }) => [
		overviewOf.value('Text', text),
		overviewOf.model(model),
	],
	options: [
		flowTextOption('text', 'Text', 'Use {{$trigger.payload.body}} or {{$last.content}} to embed flow data. The result is {embedding, model, dimensions, tokensUsed}.'),
		registryOption('model', 'Embedding model', 'models', { task: 'embedding', note: 'Empty = the default.' }),
	],
});
