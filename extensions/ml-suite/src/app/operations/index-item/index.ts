import { defineSuiteOperationApp, overviewOf } from '../define-suite-operation-app.js';
import { registryOption, toggleOption } from '../shared-options.js';

export default defineSuiteOperationApp({
	id: 'ml-index-item',
	name: 'Index item',
	icon: 'playlist_add',
	description: 'Add items to a search index now or through the queue (deleted items are removed from it).',
	overview: ({ index, keys, wait }) => [
		overviewOf.value('Index', index),
		overviewOf.value('Items', keys),
		overviewOf.run(wait),
	],
	options: [
		registryOption('index', 'Index', 'indexes', { required: true, note: 'The index whose item is (re)indexed.' }),
		{
			field: 'keys',
			name: 'Item keys',
			type: 'string',
			meta: {
				width: 'half',
				interface: 'input',
				required: true,
				options: { placeholder: '{{$trigger.keys}}' },
				note: 'Use {{$trigger.key}} or {{$trigger.keys}} from an event trigger, or a comma-separated list.',
			},
		},
		toggleOption('wait', 'Wait', 'Index now and return the result', { note: 'Off: queue a job and continue at once.', defaultValue: false }),
		toggleOption('force', 'Force', 'Re-embed unchanged items', { defaultValue: false }),
	],
});
