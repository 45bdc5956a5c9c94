import { STATES as S, archivedAs, bool, csv, dateCreated, dateUpdated, integer, intPk, json, longText, manyToOne, select, status, suiteCollection, text, timestamp, uuidPk, type CollectionDef, type RelationDef } from './field-builders.js';

/**
 * Enrichment pipelines (`ml_enrichments`, admin-managed) and their per-item state
 * (`ml_enrichment_items`, read-only: status, error, what the suite wrote).
 */
export const ENRICHMENT_COLLECTIONS: CollectionDef[] = [
	suiteCollection(
		'ml_enrichments',
		['Enrichment pipelines', 'Enrichment pipeline'],
		{
			icon: 'auto_fix_high',
			note: 'Enrichment pipelines: which collection, which source fields, which analyses, and the field each result is written to. They run on create/update when a source field changes, and as a backfill.',
			display_template: '{{name}} ({{collection}})',
			...archivedAs('disabled', 'active'),
			sort: 8,
		},
		[
			uuidPk(),
			status([S.active, S.disabled], 'active'),
			text('name', { required: true, width: 'half' }),
			text('collection', { required: true, width: 'half', interface: 'system-collection', note: 'The collection whose items are enriched.' }),
			csv('source_fields', { required: true, interface: 'tags', note: 'Fields whose text is analysed (joined; HTML becomes text). A change to any of them re-runs the pipeline.' }),
			json('filter', { interface: 'system-filter', options: { collectionField: 'collection' }, special: ['cast-json'], note: 'Only items matching this filter are enriched.' }),
			json('targets', {
				required: true,
				note: 'One entry per result: {"analysis": "summary|keywords|sentiment|classification|entities|language|readability|complexity", "field": "<target field>", "output"?: "<part>", "options"?: {...}}. Classification categories default to the target field’s dropdown choices.',
			}),
			json('complexity_fields', { note: 'For complexity: {"title", "description", "issueType", "labels", "actualHours", "doneFilter"}. Completed items with actual hours calibrate the estimates.' }),
			bool('overwrite', false, { width: 'half', note: 'Overwrite values an editor set by hand. Off: only empty fields and the suite’s own earlier values are written.' }),
			select('engine', [{ text: 'Default (ML_ANALYSIS_ENGINE)', value: '' }, { text: 'Local (offline)', value: 'local' }, { text: 'LLM (chat model)', value: 'llm' }], null),
			text('model', { width: 'half', note: 'Chat model id for the llm engine; empty = the default chat model.' }),
			longText('note'),
			dateCreated(),
			dateUpdated(),
		],
	),
	suiteCollection(
		'ml_enrichment_items',
		['Enrichment states', 'Enrichment state'],
		{
			icon: 'fact_check',
			note: 'Enrichment state per item: pending, done, failed (with the error) or skipped; the source hash analysed; the values the suite wrote and the fields it left to the editor.',
			display_template: '{{collection}} #{{item}}',
			sort: 9,
		},
		[
			intPk(),
			manyToOne('enrichment', 'uuid', { options: { template: '{{name}}' }, readonly: true }),
			text('collection', { width: 'half', readonly: true }),
			text('item', { width: 'half', readonly: true }),
			status([S.pending, S.done, S.failed, S.skipped], 'pending', { readonly: true }),
			text('source_hash', { readonly: true, hidden: true }, { max_length: 64 }),
			json('written', { readonly: true, note: 'Values the suite wrote, by field.' }),
			json('kept_fields', { readonly: true, note: 'Fields left alone because an editor had set them.' }),
			integer('attempts', { readonly: true, width: 'half' }, { default_value: 0 }),
			integer('revision', { readonly: true, hidden: true, note: 'Bumped by each save that marks the item pending (compare-and-set).' }, { default_value: 0 }),
			longText('error', { readonly: true }),
			timestamp('date_enriched', { readonly: true }),
			dateUpdated(),
		],
	),
];

export const ENRICHMENT_RELATIONS: RelationDef[] = [
	{ collection: 'ml_enrichment_items', field: 'enrichment', related_collection: 'ml_enrichments', meta: { sort_field: null }, schema: { on_delete: 'CASCADE' } },
];

export const ENRICHMENT_TABLE_INDEXES = [
	{ table: 'ml_enrichment_items', columns: ['enrichment', 'item'], unique: true, name: 'ml_enrichment_items_enrichment_item_unique' },
	{ table: 'ml_enrichment_items', columns: ['status'], unique: false, name: 'ml_enrichment_items_status_idx' },
];
