import { tr } from '../../i18n/localized-definition.js';
import { defineSuiteOperationApp } from '../define-suite-operation-app.js';
import { engineOptions, textOption } from '../shared-options.js';

/** The analyses the api side runs, each shown by its name. */
const ANALYSES = ['sentiment', 'summary', 'keywords', 'classification', 'entities', 'language', 'readability'].map((value) => ({ text: value.charAt(0).toUpperCase() + value.slice(1), value }));

export default defineSuiteOperationApp({
	id: 'ml-analyze-text',
	name: 'Analyze text',
	icon: 'psychology',
	description: 'Sentiment, summary, keywords, classification, entities, language and readability of a text. Results are keyed by analysis, e.g. {{$last.sentiment.sentiment}}.',
	overview: ({ analyses, engine }) => [
		{ label: 'Analyses', text: Array.isArray(analyses) && analyses.length > 0 ? analyses.join(', ') : tr('sentiment, summary, keywords') },
		{ label: 'Engine', text: engine ? String(engine) : tr('Default') },
	],
	options: [
		textOption(),
		{
			field: 'analyses',
			name: 'Analyses',
			type: 'csv',
			meta: { width: 'full', interface: 'select-multiple-checkbox', options: { choices: ANALYSES }, note: 'Empty: sentiment, summary and keywords.' },
		},
		{ field: 'categories', name: 'Categories', type: 'csv', meta: { width: 'full', interface: 'tags', note: 'For classification: the categories to choose from.' } },
		{ field: 'multiLabel', name: 'Several categories may apply', type: 'boolean', meta: { width: 'half', interface: 'boolean' } },
		{ field: 'maxLength', name: 'Summary length (words)', type: 'integer', meta: { width: 'half', interface: 'input', options: { min: 5 } } },
		{ field: 'maxKeywords', name: 'Keywords', type: 'integer', meta: { width: 'half', interface: 'input', options: { min: 1, max: 50 } } },
		...engineOptions(),
	],
});
