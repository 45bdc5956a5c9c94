import { defineInterface } from '@directus/extensions-sdk';
import { localizedDefinition } from '../../i18n/localized-definition.js';
import EnrichmentSuggestions from './enrichment-suggestions.vue';

/**
 * On an item's page: what the collection's enrichment pipelines suggest for this item (summary,
 * keywords, category …) next to the current values, to accept, edit or reject one by one.
 * Decisions are saved through `/ml/enrichments/suggestions/…` with the editor's permissions.
 */
export default defineInterface(
	localizedDefinition({
		id: 'ml-enrichment-suggestions',
		name: 'Enrichment suggestions',
		icon: 'auto_fix_high',
		description: "The enrichment pipelines' suggestions for this item: accept, edit or reject them.",
		component: EnrichmentSuggestions,
		types: ['alias'],
		localTypes: ['presentation'],
		group: 'presentation',
		options: [],
	}),
);
