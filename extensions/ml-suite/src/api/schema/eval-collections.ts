import {
	STATUS_COLORS as C,
	STATES as S,
	bool,
	dateCreated,
	dateUpdated,
	float,
	integer,
	json,
	longText,
	manyToOne,
	select,
	status,
	suiteCollection,
	text,
	timestamp,
	uuidPk,
	type CollectionDef,
	type RelationDef,
} from './field-builders.js';

/**
 * Relevance evaluation: sets of judged queries and the runs that scored search against them.
 * Both collections have no permissions for other roles, so only administrators see them.
 */
export const EVAL_COLLECTIONS: CollectionDef[] = [
	suiteCollection(
		'ml_eval_sets',
		['Eval sets', 'Eval set'],
		{
			icon: 'fact_check',
			note: 'Relevance evaluation sets: queries with the items judged relevant to them (grade 1 = relevant, higher = more). Import BEIR files or edit by hand; run and compare them in the ML Evaluation module.',
			display_template: '{{name}}',
			sort: 20,
		},
		[
			uuidPk(),
			text('name', { required: true, width: 'half', note: 'Unique name, used by the API, the CLI and Flows.' }, { is_unique: true, is_nullable: false }),
			select(
				'source',
				[
					{ text: 'Hand-written', value: 'manual' },
					{ text: 'BEIR import', value: 'beir', ...C.primary },
					{ text: 'Demo (not a quality claim)', value: 'demo', ...C.warning },
				],
				'manual',
			),
			manyToOne('index', 'uuid', { required: true, note: 'The index the set is run against by default. Its collection holds the judged items.', options: { template: '{{name}}' } }),
			text('collection', { width: 'half', readonly: true, note: 'Collection whose items are judged (set from the index).' }),
			text('id_field', { width: 'half', readonly: true, note: 'Field whose values matched the corpus ids when the set was imported.' }),
			longText('description'),
			json('queries', {
				interface: 'list',
				required: true,
				note: 'Each query: an id, the text, and the relevant items (primary keys) with a grade from 1 to 10.',
				options: {
					template: '{{id}} · {{query}}',
					addLabel: 'Add query',
					fields: [
						{ field: 'id', name: 'Query id', type: 'string', meta: { field: 'id', type: 'string', interface: 'input', width: 'half', required: true } },
						{ field: 'query', name: 'Query', type: 'string', meta: { field: 'query', type: 'string', interface: 'input', width: 'full', required: true } },
						{
							field: 'relevant',
							name: 'Relevant items',
							type: 'json',
							meta: {
								field: 'relevant',
								type: 'json',
								interface: 'list',
								width: 'full',
								options: {
									template: '{{item}} (grade {{grade}})',
									addLabel: 'Add relevant item',
									fields: [
										{ field: 'item', name: 'Item key', type: 'string', meta: { field: 'item', type: 'string', interface: 'input', width: 'half', required: true } },
										{ field: 'grade', name: 'Grade', type: 'integer', meta: { field: 'grade', type: 'integer', interface: 'input', width: 'half', options: { min: 1, max: 10 } }, schema: { default_value: 1 } },
									],
								},
							},
						},
					],
				},
			}),
			integer('query_count', { width: 'half', readonly: true, note: 'Number of queries (kept by the suite).' }),
			json('import_report', { readonly: true, note: 'What the BEIR import matched and left out.' }),
			dateCreated(),
			dateUpdated(),
		],
	),
	suiteCollection(
		'ml_eval_runs',
		['Eval runs', 'Eval run'],
		{
			icon: 'leaderboard',
			note: 'Evaluation runs: one evaluation set searched with an index × model × mode (× reranker), with nDCG@10, Recall@k, MRR@k, per-query results and timings. Written by the evaluation job.',
			display_template: '{{set_name}} · {{index_name}} · {{mode}} · {{model_label}}',
			sort: 21,
		},
		[
			uuidPk(),
			status([{ ...S.queued, ...C.muted }, S.running, S.completed, S.failed, { ...S.cancelled, ...C.warning }], 'queued', { readonly: true }),
			manyToOne('eval_set', 'uuid', { readonly: true, options: { template: '{{name}}' } }),
			text('set_name', { readonly: true, width: 'half' }),
			text('set_hash', { readonly: true, hidden: true }, { max_length: 64 }),
			text('index_name', { readonly: true, width: 'half' }),
			text('collection', { readonly: true, width: 'half' }),
			manyToOne('model', 'uuid', { readonly: true, options: { template: '{{name}}' } }),
			text('model_key', { readonly: true, width: 'half', options: { font: 'monospace' } }),
			text('model_label', { readonly: true, width: 'half' }),
			bool('candidate_model', false, { readonly: true, note: 'Vectors were built with this model for the run (it is not the index’s own).' }),
			text('mode', { readonly: true, width: 'half' }),
			text('reranker', { readonly: true, width: 'half' }),
			json('search_options', { readonly: true }),
			integer('k', { readonly: true, width: 'half', note: 'Results per query: Recall and MRR are at k, nDCG at 10.' }),
			integer('query_count', { readonly: true, width: 'half' }),
			integer('queries_with_hit', { readonly: true, width: 'half' }),
			integer('progress', { readonly: true, width: 'half', display: 'formatted-value', display_options: { suffix: ' %' } }, { default_value: 0 }),
			float('ndcg_at_10', { readonly: true, width: 'half', display: 'formatted-value', display_options: { format: true } }),
			float('recall_at_k', { readonly: true, width: 'half', display: 'formatted-value', display_options: { format: true } }),
			float('mrr', { readonly: true, width: 'half', display: 'formatted-value', display_options: { format: true } }),
			json('timings', { readonly: true }),
			json('details', { readonly: true }),
			json('per_query', { readonly: true }),
			longText('error', { readonly: true }),
			text('job_id', { readonly: true, width: 'half', options: { font: 'monospace' } }),
			select(
				'source',
				[
					{ text: 'API / app', value: 'api' },
					{ text: 'CLI', value: 'cli' },
					{ text: 'Flow', value: 'flow' },
					{ text: 'Demo', value: 'demo' },
				],
				'api',
				{ readonly: true },
			),
			manyToOne('user', 'uuid', { readonly: true, display: 'user', options: { template: '{{email}}' } }),
			timestamp('date_created', { readonly: true }),
			timestamp('date_started', { readonly: true }),
			timestamp('date_finished', { readonly: true }),
		],
	),
];

export const EVAL_RELATIONS: RelationDef[] = [
	{ collection: 'ml_eval_sets', field: 'index', related_collection: 'ml_indexes', meta: { sort_field: null }, schema: { on_delete: 'SET NULL' } },
	{ collection: 'ml_eval_runs', field: 'eval_set', related_collection: 'ml_eval_sets', meta: { sort_field: null }, schema: { on_delete: 'SET NULL' } },
	{ collection: 'ml_eval_runs', field: 'model', related_collection: 'ml_models', meta: { sort_field: null }, schema: { on_delete: 'SET NULL' } },
	{ collection: 'ml_eval_runs', field: 'user', related_collection: 'directus_users', meta: { sort_field: null }, schema: { on_delete: 'SET NULL' } },
];

export const EVAL_TABLE_INDEXES = [{ table: 'ml_eval_runs', columns: ['eval_set', 'date_created'], unique: false, name: 'ml_eval_runs_set_date_idx' }];
