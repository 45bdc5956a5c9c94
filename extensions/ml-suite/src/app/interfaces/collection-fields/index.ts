import { defineInterface } from '@directus/extensions-sdk';
import { localizedDefinition } from '../../i18n/localized-definition.js';
import CollectionFields from './collection-fields.vue';

/**
 * Picks fields of the collection chosen in another field of the same form (e.g. an index's
 * `collection`), instead of typing field names. Directus's own `system-fields` only works for a
 * fixed collection.
 */
export default defineInterface(
	localizedDefinition({
		id: 'ml-collection-fields',
		name: 'Fields of a chosen collection',
		icon: 'checklist',
		description: 'Pick one or more fields of the collection selected in another field of this form.',
		component: CollectionFields,
		types: ['csv', 'json', 'string'],
		group: 'selection',
		options: [
			{ field: 'collectionField', name: 'Collection field', type: 'string', meta: { width: 'half', interface: 'input', note: 'The field of this form that holds the collection name.' }, schema: { default_value: 'collection' } },
			{ field: 'multiple', name: 'Multiple', type: 'boolean', meta: { width: 'half', interface: 'boolean' }, schema: { default_value: true } },
			{ field: 'textOnly', name: 'Text fields only', type: 'boolean', meta: { width: 'half', interface: 'boolean', note: 'Offer only string/text fields (fields whose text gets indexed).' }, schema: { default_value: false } },
		],
	}),
);
