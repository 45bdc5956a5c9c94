import { defineSuiteOperationApp, overviewOf } from '../define-suite-operation-app.js';
import { filterOption, flowTextOption, retrievalOptions } from '../shared-options.js';

export default defineSuiteOperationApp({
	id: 'ml-semantic-search',
	name: 'Semantic search',
	icon: 'manage_search',
	description: 'Find the indexed items closest in meaning to a query, with Directus permissions applied.',
	overview: ({ query, indexes, mode, limit }) => [
		overviewOf.value('Query', query),
		overviewOf.indexes(indexes),
		overviewOf.mode(mode),
		{ label: 'Limit', text: String(limit ?? 10) },
	],
	options: [
		flowTextOption('query', 'Query', 'Use {{$trigger.payload.title}} or {{$last.field}} to search for flow data.'),
		...retrievalOptions('Mode', { name: 'Limit', max: 100, defaultValue: 10, what: 'Results returned' }, 'Whose read permissions decide which items (and fields) are returned.'),
		{
			field: 'fields',
			name: 'Fields',
			type: 'string',
			meta: { width: 'full', interface: 'input', options: { placeholder: 'title, status' }, note: 'Comma-separated item fields returned in each result’s data.' },
		},
		filterOption(),
	],
});
