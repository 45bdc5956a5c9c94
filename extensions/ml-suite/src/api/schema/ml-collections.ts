import {
	STATUS_COLORS as C,
	STATES as S,
	SUITE_GROUP,
	archivedAs,
	bool,
	csv,
	dateCreated,
	dateUpdated,
	float,
	intPk,
	integer,
	json,
	labelsDisplay,
	longText,
	manyToOne,
	presentation,
	select,
	sortField,
	status,
	suiteCollection,
	text,
	timestamp,
	uuidPk,
	named,
	type Choice,
	type CollectionDef,
	type LayoutDef,
	type RelationDef,
} from './field-builders.js';

const groupFolder: CollectionDef = {
	collection: SUITE_GROUP,
	meta: { collection: SUITE_GROUP, translations: named('ML suite', 'ML suite'), icon: 'psychology', note: 'ML suite: models, indexes, usage and prompts', color: '#6644FF', collapse: 'closed', sort: 100 },
	schema: null,
	fields: [],
};

const PROVIDERS: Choice[] = [
	{ text: 'Local (offline)', value: 'local', ...C.grey },
	{ text: 'OpenAI', value: 'openai', ...C.teal },
	{ text: 'OpenAI-compatible', value: 'openai-compatible', ...C.blue },
];

const TASKS: Choice[] = [
	{ text: 'Embedding', value: 'embedding', icon: 'scatter_plot', ...C.purple },
	{ text: 'Chat / generation', value: 'chat', icon: 'chat', ...C.blue },
	{ text: 'Transcription', value: 'transcription', icon: 'mic', ...C.orange },
	{ text: 'Classification', value: 'classification', icon: 'category', ...C.pink },
];

/** `ml_usage.capability`: the tasks plus analysis. */
const CAPABILITIES: Choice[] = [...TASKS, { text: 'Analysis', value: 'analysis', icon: 'insights', ...C.teal }];

/** `ml_usage.source_type`, the vocabulary of core/usage/usage-source.ts. */
const SOURCE_TYPES: Choice[] = [
	{ text: 'Route', value: 'route', icon: 'api', ...C.blue },
	{ text: 'Flow', value: 'flow', icon: 'bolt', ...C.purple },
	{ text: 'Job', value: 'job', icon: 'schedule', ...C.orange },
	{ text: 'Hook', value: 'hook', icon: 'webhook', ...C.teal },
	{ text: 'CLI', value: 'cli', icon: 'terminal', ...C.grey },
];

const VECTOR_STORES: Choice[] = [
	{ text: 'Default (ML_VECTOR_STORE)', value: 'default', ...C.grey },
	{ text: 'Embedded', value: 'embedded', ...C.teal },
	{ text: 'pgvector', value: 'pgvector', ...C.blue },
	{ text: 'Qdrant', value: 'qdrant', ...C.pink },
];

export const ML_COLLECTIONS: CollectionDef[] = [
	groupFolder,
	suiteCollection(
		'ml_models',
		['Models', 'Model'],
		{
			icon: 'model_training',
			note: 'Model registry: providers, model ids, limits, prices and the default model per task. API keys are never stored here, only the name of the environment variable that holds one.',
			display_template: '{{name}}',
			sort_field: 'sort',
			...archivedAs('disabled', 'active'),
			sort: 1,
		},
		[
			uuidPk(),
			status([S.active, S.disabled], 'active'),
			sortField(),
			text('name', { required: true, width: 'half', note: 'Shown in the admin app and in usage reports.' }),
			select('task', TASKS, 'embedding', { required: true }),
			select('provider', PROVIDERS, 'local', { required: true }),
			text('model_id', { required: true, width: 'half', note: 'The id the provider knows, e.g. text-embedding-3-small or nomic-embed-text.', options: { font: 'monospace' } }),
			text('base_url', { width: 'full', note: 'For OpenAI-compatible servers (Ollama, vLLM, LM Studio, LocalAI), e.g. http://localhost:11434/v1', options: { font: 'monospace' } }),
			text('api_key_env', {
				width: 'half',
				interface: 'select-dropdown',
				note: 'Where the API key comes from: an environment variable (its name, never the key itself) or the key saved in Directus Settings → AI.',
				options: {
					allowOther: true,
					allowNone: true,
					font: 'monospace',
					placeholder: 'OPENAI_API_KEY',
					choices: [
						{ text: 'Directus Settings → AI: OpenAI key', value: 'directus:ai_openai_api_key' },
						{ text: 'Directus Settings → AI: OpenAI-compatible key', value: 'directus:ai_openai_compatible_api_key' },
						{ text: 'Environment: OPENAI_API_KEY', value: 'OPENAI_API_KEY' },
					],
				},
			}),
			bool('is_default', false, {
				note: 'Default model for its task. Making a model the default unsets the previous default of the same task.',
				display: 'boolean',
				display_options: { labelOn: 'Default', labelOff: '', iconOn: 'star', iconOff: null, colorOn: 'var(--theme--primary)', colorOff: 'var(--theme--foreground-subdued)' },
			}),
			integer('dimensions', { width: 'half', note: 'Embedding vector size.' }),
			integer('max_input_tokens', { width: 'half', note: 'Longest input per text, in tokens.' }),
			integer('max_batch_size', { width: 'half', note: 'Most inputs per embedding call.' }),
			integer('context_window', { width: 'half', note: 'Chat models: prompt + completion tokens.' }),
			integer('max_output_tokens', { width: 'half', note: 'Chat models: the largest max_tokens a request may ask for (empty: no cap).' }),
			integer('max_request_inputs', { width: 'half', note: 'Embedding models: most texts per /ml/embeddings request (empty: ML_MAX_BATCH_INPUTS).' }),
			integer('max_input_chars', { width: 'half', note: 'Longest input in characters: each text to embed, or a chat prompt (empty: no cap).' }),
			float('input_price_per_million', { width: 'half', note: 'USD per 1M input tokens (for cost in usage).' }, { default_value: 0 }),
			float('output_price_per_million', { width: 'half', note: 'USD per 1M output tokens.' }, { default_value: 0 }),
			float('audio_price_per_minute', { width: 'half', note: 'Transcription models: USD per minute of audio.' }, { default_value: 0 }),
			longText('description'),
			dateCreated(),
			dateUpdated(),
		],
	),
	suiteCollection(
		'ml_indexes',
		['Indexes', 'Index'],
		{
			icon: 'manage_search',
			note: 'Which collections are indexed for semantic search and RAG: fields, item filter, chunking, model and vector store.',
			display_template: '{{name}}',
			...archivedAs('archived', 'active'),
			sort: 2,
		},
		[
			uuidPk(),
			status([S.active, S.paused, S.archived], 'active'),
			text('name', { required: true, width: 'half', note: 'Unique slug used by the API (e.g. articles).', options: { slug: true, font: 'monospace' } }, { is_unique: true, is_nullable: false }),
			text('label', { width: 'half' }),
			text('collection', { required: true, width: 'half', interface: 'system-collection', note: 'The collection to index.' }),
			text('title_field', { width: 'half', interface: 'system-field', options: { collectionField: 'collection', allowNone: true }, note: 'Field used as the item title in results and citations.' }),
			csv('content_fields', { required: true, interface: 'ml-collection-fields', options: { collectionField: 'collection', textOnly: true }, note: 'Main text fields, chunked and embedded (HTML is converted to text).' }),
			csv('context_fields', { interface: 'ml-collection-fields', options: { collectionField: 'collection', textOnly: true }, note: 'Short fields prepended to every chunk for context (e.g. title).' }),
			csv('metadata_fields', { interface: 'ml-collection-fields', options: { collectionField: 'collection' }, note: 'Fields copied to the vector store for filtering.' }),
			json('filter', { interface: 'system-filter', options: { collectionField: 'collection' }, special: ['cast-json'], note: 'Only items matching this filter are indexed.' }),
			integer('chunk_size', { width: 'half', note: 'Characters per chunk.' }, { default_value: 1000 }),
			integer('chunk_overlap', { width: 'half', note: 'Characters shared by neighbouring chunks.' }, { default_value: 150 }),
			manyToOne('embedding_model', 'uuid', { note: 'Empty: the default embedding model.', options: { template: '{{name}}' } }),
			select(
				'vector_store',
				VECTOR_STORES,
				'default',
			),
			presentation('coverage_panel', 'ml-index-coverage', { translations: [{ language: 'en-US', translation: 'Coverage' }], note: 'Indexed, pending, stale and failed items of the collection; reindex with progress.' }),
			text('settings_hash', { hidden: true, readonly: true }),
			timestamp('last_indexed_at', { readonly: true }),
			dateCreated(),
			dateUpdated(),
		],
	),
	suiteCollection(
		'ml_documents',
		['Indexed documents', 'Indexed document'],
		{
			icon: 'description',
			note: 'Indexing state per item: content hash, status, chunk count and the last error. The source of truth for what still needs work.',
			display_template: '{{collection}} #{{item}}',
			sort: 3,
		},
		[
			intPk(),
			manyToOne('index', 'uuid', { options: { template: '{{name}}' }, display: 'related-values', display_options: { template: '{{name}}' }, readonly: true }),
			text('collection', { width: 'half', readonly: true }),
			text('item', { width: 'half', readonly: true }),
			// Directus's presentation-links renders {{field}} from the form's values: a link to the indexed item.
			presentation('open_item', 'presentation-links', {
				options: { links: [{ label: 'Open the indexed item', icon: 'open_in_new', type: 'normal', actionType: 'url', url: '/content/{{collection}}/{{item}}' }] },
			}),
			status([S.pending, S.indexed, S.stale, S.failed, S.excluded], 'pending', { readonly: true }),
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
	suiteCollection(
		'ml_usage',
		['Usage', 'Usage record'],
		{
			icon: 'monitoring',
			note: 'One row per provider call: who, where from, which model, tokens, cost, latency and outcome.',
			display_template: '{{source}} · {{model}}',
			sort: 5,
		},
		[
			intPk(),
			timestamp('timestamp', { readonly: true }),
			manyToOne('user', 'uuid', { readonly: true, options: { template: '{{email}}' }, display: 'user' }),
			select(
				'source_type',
				SOURCE_TYPES,
				null,
				{ readonly: true },
			),
			text('source', { readonly: true, width: 'half', note: 'route:<METHOD> /ml<path>, flow:<operation>, job:<job>, hook:<event> or cli:<command>.', options: { font: 'monospace' } }),
			text('capability', { readonly: true, width: 'half', ...labelsDisplay(CAPABILITIES) }),
			text('provider', { readonly: true, width: 'half', ...labelsDisplay(PROVIDERS) }),
			text('model', { readonly: true, width: 'half' }),
			text('collection', { readonly: true, width: 'half' }),
			text('item', { readonly: true, width: 'half' }),
			integer('input_tokens', { readonly: true, width: 'half', display: 'formatted-value', display_options: { format: true } }, { default_value: 0 }),
			integer('output_tokens', { readonly: true, width: 'half', display: 'formatted-value', display_options: { format: true } }, { default_value: 0 }),
			float('cost', { readonly: true, width: 'half', display: 'formatted-value', display_options: { prefix: '$', format: true, minimumFractionDigits: 2, maximumFractionDigits: 6 } }, { default_value: 0 }),
			integer('latency_ms', { readonly: true, width: 'half', display: 'formatted-value', display_options: { suffix: ' ms' } }),
			status([S.success, S.error, S.cancelled], 'success', { readonly: true }),
			text('error_code', { readonly: true, width: 'half' }),
			bool('cache_hit', false, { readonly: true }),
			float('audio_seconds', { readonly: true, width: 'half', note: 'Transcription: seconds of audio sent.', display: 'formatted-value', display_options: { suffix: ' s' } }),
		],
	),
	suiteCollection(
		'ml_prompts',
		['Prompts', 'Prompt'],
		{
			icon: 'edit_note',
			note: 'Prompt templates with {{variables}} for RAG and generation. The active version with the highest number is used; edits keep revisions.',
			display_template: '{{name}} v{{version}}',
			...archivedAs('archived', 'draft'),
			sort: 6,
		},
		[
			uuidPk(),
			status([S.active, { ...S.draft, ...C.primary }, S.archived], 'draft'),
			text('name', { required: true, width: 'half', options: { font: 'monospace' } }),
			select(
				'task',
				[
					{ text: 'RAG answer', value: 'rag', icon: 'forum', ...C.purple },
					{ text: 'Generation', value: 'generation', icon: 'edit_note', ...C.blue },
					{ text: 'Summarize', value: 'summarize', icon: 'short_text', ...C.teal },
					{ text: 'Classify', value: 'classify', icon: 'category', ...C.pink },
				],
				'generation',
			),
			integer('version', { width: 'half' }, { default_value: 1 }),
			text('model', { width: 'half', interface: 'ml-registry-select', options: { source: 'models', task: 'chat' }, note: 'Model id; empty = the default chat model.' }),
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
	suiteCollection(
		'ml_rag_documents',
		['RAG documents', 'RAG document'],
		{
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

/** Timed transcripts of audio and video files (one row per file). */
ML_COLLECTIONS.push(
	suiteCollection(
		'ml_transcripts',
		['Transcripts', 'Transcript'],
		{
			icon: 'subtitles',
			note: 'Timed transcripts of audio and video files: status, language, duration, text and segments. Export as SRT, VTT or text through /ml/transcripts/<file>.',
			display_template: '{{file.title}}',
			sort: 10,
		},
		[
			uuidPk(),
			manyToOne('file', 'uuid', { readonly: true, interface: 'file', display: 'file' }),
			status([S.queued, S.processing, S.completed, S.failed], 'queued', { readonly: true }),
			integer('progress', { readonly: true, width: 'half', note: 'Percent of the audio transcribed.' }, { default_value: 0 }),
			text('language', { readonly: true, width: 'half' }),
			float('duration', { readonly: true, width: 'half', note: 'Seconds.', display: 'formatted-value', display_options: { suffix: ' s' } }),
			text('model', { readonly: true, width: 'half' }),
			longText('text', { readonly: true }),
			json('segments', { readonly: true, note: 'Segments with start/end seconds (and word timings when the model gives them).' }),
			longText('error', { readonly: true }),
			integer('attempts', { readonly: true, width: 'half' }, { default_value: 0 }),
			json('timings', { readonly: true, note: 'Milliseconds spent probing, converting and transcribing.' }),
			timestamp('date_completed', { readonly: true }),
			dateCreated(),
			dateUpdated(),
		],
	),
);

export const ML_RELATIONS: RelationDef[] = [
	{ collection: 'ml_indexes', field: 'embedding_model', related_collection: 'ml_models', meta: { sort_field: null }, schema: { on_delete: 'SET NULL' } },
	{ collection: 'ml_documents', field: 'index', related_collection: 'ml_indexes', meta: { sort_field: null }, schema: { on_delete: 'CASCADE' } },
	{ collection: 'ml_usage', field: 'user', related_collection: 'directus_users', meta: { sort_field: null }, schema: { on_delete: 'SET NULL' } },
	{ collection: 'ml_transcripts', field: 'file', related_collection: 'directus_files', meta: { sort_field: null }, schema: { on_delete: 'CASCADE' } },
];

/** Composite indexes Directus's field API cannot express; created with knex after the collections. */
export const ML_TABLE_INDEXES: { table: string; columns: string[]; unique: boolean; name: string }[] = [
	{ table: 'ml_documents', columns: ['index', 'item'], unique: true, name: 'ml_documents_index_item_unique' },
	{ table: 'ml_documents', columns: ['status'], unique: false, name: 'ml_documents_status_idx' },
	{ table: 'ml_usage', columns: ['timestamp'], unique: false, name: 'ml_usage_timestamp_idx' },
	{ table: 'ml_rag_documents', columns: ['rag_collection'], unique: false, name: 'ml_rag_documents_collection_idx' },
	{ table: 'ml_transcripts', columns: ['file'], unique: true, name: 'ml_transcripts_file_unique' },
];

/**
 * Default table layouts (global presets), created once when a collection has none: the columns
 * an admin needs to read a row at a glance, newest first where rows are events.
 */
export const ML_LAYOUTS: LayoutDef[] = [
	{ collection: 'ml_models', fields: ['name', 'task', 'provider', 'model_id', 'is_default', 'status', 'dimensions'], sort: ['sort', 'name'], widths: { name: 280, model_id: 200 } },
	{ collection: 'ml_indexes', fields: ['name', 'label', 'collection', 'status', 'embedding_model', 'vector_store', 'last_indexed_at'], sort: ['name'] },
	{ collection: 'ml_documents', fields: ['index', 'collection', 'item', 'status', 'chunk_count', 'attempts', 'error', 'date_indexed'], sort: ['-date_updated'], widths: { item: 120, error: 320 } },
	{
		collection: 'ml_usage',
		fields: ['timestamp', 'source', 'capability', 'model', 'input_tokens', 'output_tokens', 'cost', 'latency_ms', 'status', 'user'],
		sort: ['-timestamp'],
		widths: { source: 240, model: 180 },
	},
	{ collection: 'ml_prompts', fields: ['name', 'version', 'task', 'status', 'model', 'date_updated'], sort: ['name', '-version'] },
	{ collection: 'ml_rag_documents', fields: ['rag_collection', 'source', 'source_type', 'filename', 'date_updated'], sort: ['-date_updated'] },
	{ collection: 'ml_transcripts', fields: ['file', 'status', 'progress', 'language', 'duration', 'model', 'date_updated'], sort: ['-date_updated'] },
];

/** Spend limits on provider calls (checked before every call; see core/budgets). */
ML_COLLECTIONS.push(
	suiteCollection(
		'ml_budgets',
		['Budgets', 'Budget'],
		{
			icon: 'savings',
			note: 'Spend limits per day or month on provider calls, globally or per role, user, collection, flow or model. Block: calls fail with 429 until the period resets. Warn: admins are notified at 80% and 100%. Spent so far: Usage module.',
			display_template: '{{name}}',
			...archivedAs('disabled', 'active'),
			sort: 11,
		},
		[
			uuidPk(),
			status([S.active, S.disabled], 'active', { width: 'half' }),
			text('name', { required: true, width: 'half' }),
			select(
				'scope',
				[
					{ text: 'Global', value: 'global', icon: 'public', ...C.purple },
					{ text: 'Role', value: 'role', icon: 'group', ...C.blue },
					{ text: 'User', value: 'user', icon: 'person', ...C.teal },
					{ text: 'Collection / index', value: 'collection', icon: 'database', ...C.orange },
					{ text: 'Flow', value: 'flow', icon: 'bolt', ...C.pink },
					{ text: 'Model', value: 'model', icon: 'psychology', ...C.grey },
				],
				'global',
				{ width: 'half', required: true },
			),
			text('scope_value', {
				width: 'half',
				note: 'Which one: a role or user id, a collection name, a flow operation (e.g. ml-ask), or a model (row id or provider model id). Empty for global.',
				options: { font: 'monospace' },
			}),
			select(
				'period',
				[
					{ text: 'Day (UTC)', value: 'day', ...C.blue },
					{ text: 'Month (UTC)', value: 'month', ...C.purple },
				],
				'month',
				{ width: 'half', required: true },
			),
			select(
				'metric',
				[
					{ text: 'Tokens (input + output)', value: 'tokens', ...C.teal },
					{ text: 'Cost (USD)', value: 'cost', ...C.orange },
				],
				'cost',
				{ width: 'half', required: true },
			),
			float('limit', { required: true, width: 'half', note: 'Tokens, or USD for cost budgets.', display: 'formatted-value', display_options: { format: true } }, { default_value: 0, is_nullable: false }),
			select(
				'action',
				[
					{ text: 'Block (429)', value: 'block', icon: 'block', ...C.danger },
					{ text: 'Warn admins', value: 'warn', icon: 'notifications', ...C.warning },
				],
				'warn',
				{ width: 'half', required: true },
			),
			longText('note'),
			dateCreated(),
			dateUpdated(),
		],
	),
);
ML_LAYOUTS.push({ collection: 'ml_budgets', fields: ['name', 'status', 'scope', 'scope_value', 'period', 'metric', 'limit', 'action'], sort: ['name'] });
