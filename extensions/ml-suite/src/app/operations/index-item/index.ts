import { defineOperationApp } from '@directus/extensions-sdk';
import { localizedDefinition, tr } from '../../i18n/localized-definition.js';
import { registryOption } from '../shared-options.js';

export default defineOperationApp(
	localizedDefinition({
		id: 'ml-index-item',
		name: 'Index item',
		icon: 'playlist_add',
		description: 'Add items to a search index now or through the queue (deleted items are removed from it).',
		overview: ({ index, keys, wait }) => [
			{ label: 'Index', text: String(index ?? '') },
			{ label: 'Items', text: String(keys ?? '') },
			{ label: 'Run', text: wait ? 'Now (wait)' : tr('Queued') },
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
			{
				field: 'wait',
				name: 'Wait',
				type: 'boolean',
				meta: { width: 'half', interface: 'boolean', options: { label: 'Index now and return the result' }, note: 'Off: queue a job and continue at once.' },
				schema: { default_value: false },
			},
			{
				field: 'force',
				name: 'Force',
				type: 'boolean',
				meta: { width: 'half', interface: 'boolean', options: { label: 'Re-embed unchanged items' } },
				schema: { default_value: false },
			},
		],
	}),
);
