import { defineSuiteOperationApp } from '../define-suite-operation-app.js';
import { engineOptions, registryOption, textOption } from '../shared-options.js';

export default defineSuiteOperationApp({
	id: 'ml-classify-text',
	name: 'Classify',
	icon: 'category',
	description: 'Puts a text into one (or several) of your categories, zero-shot or with a classifier trained on your content. {{$last.label}} is the best category; {{$last.classifications}} has every confidence.',
	overview: ({ categories, classifier }) =>
		classifier ? [{ label: 'Classifier', text: String(classifier) }] : [{ label: 'Categories', text: Array.isArray(categories) ? categories.join(', ') : String(categories ?? '—') }],
	options: [
		textOption(),
		registryOption('classifier', 'Trained classifier', 'models', { task: 'classification', width: 'full', note: 'A classifier trained on your content: its active version answers and the categories below are not needed.' }),
		{ field: 'categories', name: 'Categories', type: 'csv', meta: { width: 'full', interface: 'tags', note: 'Zero-shot categories (when no trained classifier is chosen).' } },
		{
			field: 'descriptions',
			name: 'Category descriptions',
			type: 'json',
			meta: { width: 'full', interface: 'input-code', options: { language: 'json', placeholder: '{ "sport": "match, team, player, goal" }' }, note: 'Optional words describing each category; they improve the local engine’s zero-shot accuracy.' },
		},
		{ field: 'multiLabel', name: 'Several categories may apply', type: 'boolean', meta: { width: 'half', interface: 'boolean' } },
		{ field: 'threshold', name: 'Threshold (multi-label)', type: 'float', meta: { width: 'half', interface: 'input', options: { min: 0, max: 1, step: 0.05 } } },
		...engineOptions(),
	],
});
