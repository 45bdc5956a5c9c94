import {
	STATUS_COLORS as C,
	bool,
	collection,
	csv,
	dateCreated,
	dateUpdated,
	float,
	intPk,
	integer,
	json,
	longText,
	manyToOne,
	select,
	sortField,
	text,
	timestamp,
	uuidPk,
	type CollectionDef,
	type RelationDef,
} from './field-builders.js';

/** The suite's folder in the admin app's navigation. */
const GROUP = 'ml_suite';

const groupFolder: CollectionDef = {
	collection: GROUP,
	meta: { collection: GROUP, icon: 'psychology', note: 'ML suite: models, indexes, usage and prompts', color: '#6644FF', collapse: 'closed', sort: 100 },
	schema: null,
	fields: [],
};

const PROVIDERS = [
	{ text: 'Local (offline)', value: 'local' },
	{ text: 'OpenAI', value: 'openai' },
	{ text: 'OpenAI-compatible', value: 'openai-compatible' },
];

const TASKS = [
	{ text: 'Embedding', value: 'embedding', icon: 'scatter_plot' },
	{ text: 'Chat / generation', value: 'chat', icon: 'chat' },
	{ text: 'Transcription', value: 'transcription', icon: 'mic' },
	{ text: 'Classification', value: 'classification', icon: 'category' },
];

export const ML_COLLECTIONS: CollectionDef[] = [
	groupFolder,
	collection(
		'ml_models',
		{
			group: GROUP,
			icon: 'model_training',
			note: 'Model registry: providers, model ids, limits, prices and the default model per task. API keys are never stored here, only the name of the environment variable that holds one.',
			display_template: '{{name}} · {{provider}}/{{model_id}}',
			sort_field: 'sort',
			archive_field: 'status',
			archive_value: 'disabled',
			unarchive_value: 'active',
			sort: 1,
		},
		[
			uuidPk(),
			select('status', [{ text: 'Active', value: 'active', ...C.success }, { text: 'Disabled', value: 'disabled', ...C.muted }], 'active'),
			sortField(),
			text('name', { required: true, width: 'half', note: 'Shown in the admin app and in usage reports.' }),
			select('task', TASKS, 'embedding', { required: true }),
			select('provider', PROVIDERS, 'local', { required: true }),
			text('model_id', { required: true, width: 'half', note: 'The id the provider knows, e.g. text-embedding-3-small or nomic-embed-text.', options: { font: 'monospace' } }),
			text('base_url', { width: 'full', note: 'For OpenAI-compatible servers (Ollama, vLLM, LM Studio, LocalAI), e.g. http://localhost:11434/v1', options: { font: 'monospace' } }),
			text('api_key_env', { width: 'half', note: 'Name of the environment variable holding the API key (never the key itself).', options: { font: 'monospace', placeholder: 'OPENAI_API_KEY' } }),
			bool('is_default', false, { note: 'Default model for its task.' }),
			integer('dimensions', { width: 'half', note: 'Embedding vector size.' }),
			integer('max_input_tokens', { width: 'half', note: 'Longest input per text, in tokens.' }),
			integer('max_batch_size', { width: 'half', note: 'Most inputs per embedding call.' }),
			integer('context_window', { width: 'half', note: 'Chat models: prompt + completion tokens.' }),
			float('input_price_per_million', { width: 'half', note: 'USD per 1M input tokens (for cost in usage).' }, { default_value: 0 }),
			float('output_price_per_million', { width: 'half', note: 'USD per 1M output tokens.' }, { default_value: 0 }),
			longText('description'),
			dateCreated(),
			dateUpdated(),
		],
	),
	collection(
		'ml_indexes',
		{
			group: GROUP,
			icon: 'manage_search',
			note: 'Which collections are indexed for semantic search and RAG: fields, item filter, chunking, model and vector store.',
			display_template: '{{label}} ({{collection}})',
			archive_field: 'status',
			archive_value: 'archived',
			unarchive_value: 'active',
			sort: 2,
		},
		[
			uuidPk(),
			select(
				'status',
				[
					{ text: 'Active', value: 'active', ...C.success },
					{ text: 'Paused', value: 'paused', ...C.warning },
					{ text: 'Archived', value: 'archived', ...C.muted },
				],
				'active',
			),
			text('name', { required: true, width: 'half', note: 'Unique slug used by the API (e.g. articles).', options: { slug: true, font: 'monospace' } }, { is_unique: true, is_nullable: false }),
			text('label', { width: 'half' }),
			text('collection', { required: true, width: 'half', interface: 'system-collection', note: 'The collection to index.' }),
			text('title_field', { width: 'half', note: 'Field used as the item title in results and citations.' }),
			csv('content_fields', { required: true, note: 'Main text fields, chunked and embedded (HTML is converted to text).' }),
			csv('context_fields', { note: 'Short fields prepended to every chunk for context (e.g. title).' }),
			csv('metadata_fields', { note: 'Fields copied to the vector store for filtering.' }),
			json('filter', { interface: 'system-filter', options: { collectionField: 'collection' }, special: ['cast-json'], note: 'Only items matching this filter are indexed.' }),
			integer('chunk_size', { width: 'half', note: 'Characters per chunk.' }, { default_value: 1000 }),
			integer('chunk_overlap', { width: 'half', note: 'Characters shared by neighbouring chunks.' }, { default_value: 150 }),
			manyToOne('embedding_model', 'uuid', { note: 'Empty: the default embedding model.', options: { template: '{{name}}' } }),
			select(
				'vector_store',
				[
					{ text: 'Default (ML_VECTOR_STORE)', value: 'default' },
					{ text: 'Embedded', value: 'embedded' },
					{ text: 'pgvector', value: 'pgvector' },
					{ text: 'Qdrant', value: 'qdrant' },
				],
				'default',
			),
			text('settings_hash', { hidden: true, readonly: true }),
			timestamp('last_indexed_at', { readonly: true }),
			dateCreated(),
			dateUpdated(),
		],
	),
	collection(
		'ml_documents',
		{
			group: GROUP,
			icon: 'description',
			note: 'Indexing state per item: content hash, status, chunk count and the last error. The source of truth for what still needs work.',
			display_template: '{{collection}} #{{item}} · {{status}}',
			sort: 3,
		},
		[
			intPk(),
			manyToOne('index', 'uuid', { options: { template: '{{name}}' }, readonly: true }),
			text('collection', { width: 'half', readonly: true }),
			text('item', { width: 'half', readonly: true }),
			select(
				'status',
				[
					{ text: 'Pending', value: 'pending', ...C.primary },
					{ text: 'Indexed', value: 'indexed', ...C.success },
					{ text: 'Stale', value: 'stale', ...C.warning },
					{ text: 'Failed', value: 'failed', ...C.danger },
					{ text: 'Excluded', value: 'excluded', ...C.muted },
				],
				'pending',
				{ readonly: true },
			),
			text('content_hash', { readonly: true, width: 'half', options: { font: 'monospace' } }, { max_length: 64 }),
			text('settings_hash', { readonly: true, hidden: true }, { max_length: 64 }),
			integer('chunk_count', { readonly: true, width: 'half' }, { default_value: 0 }),
			integer('attempts', { readonly: true, width: 'half' }, { default_value: 0 }),
			longText('error', { readonly: true }),
			// Bumped by every save of the item; a job writes its result only if it is unchanged (last writer wins).
			integer('revision', { readonly: true, hidden: true }, { default_value: 0 }),
			// Whether the last failure may pass (a provider outage): such items are retried when the provider recovers.
			bool('retryable', false, { readonly: true, width: 'half', note: 'The last failure was temporary (provider outage); retried automatically when the provider recovers.' }),
			timestamp('date_indexed', { readonly: true }),
			dateUpdated(),
		],
	),
	collection(
		'ml_usage',
		{
			group: GROUP,
			icon: 'monitoring',
			note: 'One row per provider call: who, where from, which model, tokens, cost, latency and outcome.',
			display_template: '{{capability}} · {{model}} · {{status}}',
			sort: 5,
		},
		[
			intPk(),
			timestamp('timestamp', { readonly: true }),
			manyToOne('user', 'uuid', { readonly: true, options: { template: '{{email}}' }, display: 'user' }),
			select(
				'source_type',
				[
					{ text: 'Endpoint', value: 'endpoint' },
					{ text: 'Operation', value: 'operation' },
					{ text: 'Hook', value: 'hook' },
					{ text: 'Job', value: 'job' },
					{ text: 'System', value: 'system' },
				],
				null,
				{ readonly: true },
			),
			text('source', { readonly: true, width: 'half' }),
			text('capability', { readonly: true, width: 'half' }),
			text('provider', { readonly: true, width: 'half' }),
			text('model', { readonly: true, width: 'half' }),
			text('collection', { readonly: true, width: 'half' }),
			text('item', { readonly: true, width: 'half' }),
			integer('input_tokens', { readonly: true, width: 'half' }, { default_value: 0 }),
			integer('output_tokens', { readonly: true, width: 'half' }, { default_value: 0 }),
			float('cost', { readonly: true, width: 'half', display: 'formatted-value', display_options: { prefix: '$', format: true } }, { default_value: 0 }),
			integer('latency_ms', { readonly: true, width: 'half', display: 'formatted-value', display_options: { suffix: ' ms' } }),
			select('status', [{ text: 'Success', value: 'success', ...C.success }, { text: 'Error', value: 'error', ...C.danger }], 'success', { readonly: true }),
			text('error_code', { readonly: true, width: 'half' }),
			bool('cache_hit', false, { readonly: true }),
		],
	),
	collection(
		'ml_prompts',
		{
			group: GROUP,
			icon: 'edit_note',
			note: 'Prompt templates with {{variables}} for RAG and generation. The active version with the highest number is used; edits keep revisions.',
			display_template: '{{name}} v{{version}}',
			archive_field: 'status',
			archive_value: 'archived',
			unarchive_value: 'draft',
			sort: 6,
		},
		[
			uuidPk(),
			select(
				'status',
				[
					{ text: 'Active', value: 'active', ...C.success },
					{ text: 'Draft', value: 'draft', ...C.primary },
					{ text: 'Archived', value: 'archived', ...C.muted },
				],
				'draft',
			),
			text('name', { required: true, width: 'half', options: { font: 'monospace' } }),
			select(
				'task',
				[
					{ text: 'RAG answer', value: 'rag' },
					{ text: 'Generation', value: 'generation' },
					{ text: 'Summarize', value: 'summarize' },
					{ text: 'Classify', value: 'classify' },
				],
				'generation',
			),
			integer('version', { width: 'half' }, { default_value: 1 }),
			text('model', { width: 'half', note: 'Model id; empty = the default chat model.' }),
			longText('system_prompt', { interface: 'input-multiline' }),
			longText('template', { interface: 'input-code', options: { language: 'plaintext', lineWrapping: true }, required: true, note: 'Use {{variable}} placeholders; item data is available by field name.' }),
			longText('description'),
			dateCreated(),
			dateUpdated(),
		],
	),
];

/** Documents indexed through the SynthStack-compatible `/ml/rag/*` routes (not tied to another collection). */
ML_COLLECTIONS.push(
	collection(
		'ml_rag_documents',
		{
			group: GROUP,
			icon: 'library_books',
			note: 'Free-form documents indexed through the /ml/rag routes, grouped in RAG collections. Searchable like any indexed collection, with Directus permissions.',
			display_template: '{{rag_collection}} · {{source}}',
			sort: 7,
		},
		[
			uuidPk(),
			text('rag_collection', { required: true, width: 'half', note: 'RAG collection name (e.g. default, project_42).' }, { default_value: 'default', is_nullable: false }),
			text('source', { width: 'half' }),
			text('source_type', { width: 'half' }),
			text('document_id', { width: 'half', note: 'Caller-supplied document id (index-project-document).' }),
			text('project_id', { width: 'half' }),
			text('filename', { width: 'half' }),
			text('file_type', { width: 'half' }),
			integer('chunk_size', { width: 'half', note: 'Per-document chunk size (characters); empty = the index default.' }),
			integer('chunk_overlap', { width: 'half' }),
			json('metadata'),
			longText('content', { required: true }),
			dateCreated(),
			dateUpdated(),
		],
	),
);

export const ML_RELATIONS: RelationDef[] = [
	{ collection: 'ml_indexes', field: 'embedding_model', related_collection: 'ml_models', meta: { sort_field: null }, schema: { on_delete: 'SET NULL' } },
	{ collection: 'ml_documents', field: 'index', related_collection: 'ml_indexes', meta: { sort_field: null }, schema: { on_delete: 'CASCADE' } },
	{ collection: 'ml_usage', field: 'user', related_collection: 'directus_users', meta: { sort_field: null }, schema: { on_delete: 'SET NULL' } },
];

/** Composite indexes Directus's field API cannot express; created with knex after the collections. */
export const ML_TABLE_INDEXES: { table: string; columns: string[]; unique: boolean; name: string }[] = [
	{ table: 'ml_documents', columns: ['index', 'item'], unique: true, name: 'ml_documents_index_item_unique' },
	{ table: 'ml_documents', columns: ['status'], unique: false, name: 'ml_documents_status_idx' },
	{ table: 'ml_usage', columns: ['timestamp'], unique: false, name: 'ml_usage_timestamp_idx' },
	{ table: 'ml_rag_documents', columns: ['rag_collection'], unique: false, name: 'ml_rag_documents_collection_idx' },
];
