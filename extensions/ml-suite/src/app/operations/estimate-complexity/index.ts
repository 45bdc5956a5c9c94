import { tr } from '../../i18n/localized-definition.js';
import { defineSuiteOperationApp } from '../define-suite-operation-app.js';
import { engineOptions } from '../shared-options.js';

export default defineSuiteOperationApp({
	id: 'ml-estimate-complexity',
	name: 'Estimate complexity',
	icon: 'speed',
	description: 'Complexity level (1–5), points and hours of a task. {{$last.complexityScore}}, {{$last.estimatedPoints}} and {{$last.estimatedHours}} feed the next operation.',
	overview: ({ collection }) => [{ label: 'Calibration', text: collection ? String(collection) : tr('none') }],
	options: [
		{ field: 'title', name: 'Title', type: 'string', meta: { width: 'full', interface: 'input', required: true, options: { placeholder: '{{$trigger.payload.title}}' } } },
		{ field: 'description', name: 'Description', type: 'text', meta: { width: 'full', interface: 'input-multiline', options: { placeholder: '{{$trigger.payload.description}}' } } },
		{ field: 'issueType', name: 'Issue type', type: 'string', meta: { width: 'half', interface: 'input', options: { placeholder: 'bug, feature, chore, docs, refactor, epic' } } },
		{ field: 'labels', name: 'Labels', type: 'csv', meta: { width: 'half', interface: 'tags' } },
		{ field: 'collection', name: 'Calibrate on collection', type: 'string', meta: { width: 'half', interface: 'system-collection', note: 'Hours learn from this collection’s completed tasks (its complexity pipeline names the actual-hours field).' } },
		...engineOptions(),
	],
});
