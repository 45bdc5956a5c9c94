import { defineInterface } from '@directus/extensions-sdk';
import { localizedDefinition } from '../../i18n/localized-definition.js';
import IndexCoverage from './index-coverage.vue';

/**
 * On an index's page: how much of the collection is indexed (indexed / pending / failed / stale),
 * a Reindex action with live progress, and a warning before a save that re-embeds everything.
 */
export default defineInterface(
	localizedDefinition({
		id: 'ml-index-coverage',
		name: 'Index coverage',
		icon: 'donut_large',
		description: 'Coverage, reindex and re-embedding warnings for an ml_indexes item.',
		component: IndexCoverage,
		types: ['alias'],
		localTypes: ['presentation'],
		group: 'presentation',
		options: [],
	}),
);
