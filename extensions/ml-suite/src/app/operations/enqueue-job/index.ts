import { tr } from '../../i18n/localized-definition.js';
import { defineSuiteOperationApp } from '../define-suite-operation-app.js';
import { selectOption } from '../shared-options.js';

// Mirrors the job names registered by the api side (core/indexing/indexing-jobs.ts); the queue
// still validates the name, so a stale list can only fail loudly, never enqueue the wrong thing.
const JOB_CHOICES = [
	{ text: 'Index items (index-items)', value: 'index-items' },
	{ text: 'Remove items (remove-items)', value: 'remove-items' },
	{ text: 'Reindex an index (reindex)', value: 'reindex' },
	{ text: 'Reconcile pending documents (reconcile)', value: 'reconcile' },
];

export default defineSuiteOperationApp({
	id: 'ml-enqueue-job',
	name: 'Enqueue ML job',
	icon: 'queue',
	description: 'Put an ML suite job on the queue (index items, reindex, reconcile…). Returns `{id, name, queue}`.',
	overview: ({ job, priority, delayMs }) => [
		{ label: 'Job', text: job ? String(job) : '—' },
		{ label: 'Priority', text: priority ? String(priority) : tr('Job default') },
		...(delayMs ? [{ label: 'Delay', text: `${String(delayMs)} ms` }] : []),
	],
	options: [
		{
			field: 'job',
			name: 'Job',
			type: 'string',
			meta: { width: 'half', interface: 'select-dropdown', options: { choices: JOB_CHOICES, allowOther: true }, required: true },
		},
		selectOption(
			'priority',
			'Priority',
			[
				{ text: 'High', value: 'high' },
				{ text: 'Normal', value: 'normal' },
				{ text: 'Low', value: 'low' },
			],
			{ placeholder: 'Job default' },
		),
		{
			field: 'payload',
			name: 'Payload',
			type: 'json',
			meta: {
				width: 'full',
				interface: 'input-code',
				options: { language: 'json', placeholder: '{ "indexId": "…", "keys": ["{{$trigger.key}}"] }' },
				note: 'Job data as JSON; flow paths such as {{$trigger.key}} are filled in first. index-items: {indexId, keys[]}; remove-items: {indexId, keys[]}; reindex: {indexId, force?}; reconcile: {olderThanSeconds?}.',
			},
		},
		{
			field: 'delayMs',
			name: 'Delay (ms)',
			type: 'integer',
			meta: { width: 'half', interface: 'input', options: { min: 0, placeholder: '0' }, note: 'Run no earlier than this many milliseconds from now.' },
		},
	],
});
