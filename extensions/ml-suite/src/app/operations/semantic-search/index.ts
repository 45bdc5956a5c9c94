import { defineOperationApp } from '@directus/extensions-sdk';
import { localizedDefinition, tr } from '../../i18n/localized-definition.js';
import { filterOption, indexesOption, limitOption, modeOption, permissionsOption } from '../shared-options.js';

export default defineOperationApp(
	localizedDefinition({
		id: 'ml-semantic-search',
		name: 'Semantic search',
		icon: 'manage_search',
		description: 'Find the indexed items closest in meaning to a query, with Directus permissions applied.',
		overview: ({ query, indexes, mode, limit }) => [
			{ label: 'Query', text: String(query ?? '') },
			{ label: 'Indexes', text: indexes ? String(indexes) : tr('All') },
			{ label: 'Mode', text: String(mode ?? 'hybrid') },
			{ label: 'Limit', text: String(limit ?? 10) },
		],
		options: [
			{
				field: 'query',
				name: 'Query',
				type: 'text',
				meta: { width: 'full', interface: 'input-multiline', required: true, note: 'Use {{$trigger.payload.title}} or {{$last.field}} to search for flow data.' },
			},
			indexesOption(),
			modeOption('Mode', 'hybrid'),
			limitOption('Limit', 100, 10, 'Results returned'),
			permissionsOption('Whose read permissions decide which items (and fields) are returned.'),
			{
				field: 'fields',
				name: 'Fields',
				type: 'string',
				meta: { width: 'full', interface: 'input', options: { placeholder: 'title, status' }, note: 'Comma-separated item fields returned in each result’s data.' },
			},
			filterOption(),
		],
	}),
);
