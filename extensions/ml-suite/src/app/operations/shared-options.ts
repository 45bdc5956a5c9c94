import type { AppField, DeepPartial } from '@directus/types';

/** Option fields several operation forms share, so they read and behave the same everywhere. */
type OptionField = DeepPartial<AppField>;

/** A dropdown option field. */
export function selectOption(field: string, name: string, choices: { text: string; value: string }[], extra: { note?: string; defaultValue?: string; placeholder?: string } = {}): OptionField {
	return {
		field,
		name,
		type: 'string',
		meta: {
			width: 'half',
			interface: 'select-dropdown',
			options: { choices, ...(extra.placeholder ? { placeholder: extra.placeholder } : {}) },
			...(extra.note ? { note: extra.note } : {}),
		},
		...(extra.defaultValue ? { schema: { default_value: extra.defaultValue } } : {}),
	};
}

/** Where admins manage the registries the dropdowns below read (the content module's ML suite folder). */
const WHERE = {
	indexes: 'Content → ML suite → Indexes',
	models: 'Content → ML suite → Models',
	prompts: 'Content → ML suite → Prompts',
} as const;

/**
 * A dropdown fed by the suite's registry (`ml-registry-select`): index names, model ids of one
 * task, or prompt names. A typed value (e.g. a {{$trigger...}} template) is kept as is.
 */
export function registryOption(
	field: string,
	name: string,
	source: 'indexes' | 'models' | 'prompts',
	extra: { task?: 'embedding' | 'chat' | 'classification' | 'transcription'; multiple?: boolean; required?: boolean; note: string; width?: 'half' | 'full' },
): OptionField {
	return {
		field,
		name,
		type: 'string',
		meta: {
			width: extra.width ?? 'half',
			interface: 'ml-registry-select',
			options: { source, ...(extra.task ? { task: extra.task } : {}), multiple: extra.multiple ?? false },
			...(extra.required ? { required: true } : {}),
			note: `${extra.note} Managed in ${WHERE[source]}.`,
		},
	};
}

/** Whose read permissions an operation uses. */
export function permissionsOption(note: string): OptionField {
	return selectOption(
		'permissions',
		'Permissions',
		[
			{ text: 'From trigger', value: '$trigger' },
			{ text: 'Public role', value: '$public' },
			{ text: 'Full access', value: '$full' },
		],
		{ note, defaultValue: '$trigger' },
	);
}

/** Semantic, keyword or hybrid retrieval. */
export function modeOption(name: string, defaultValue: 'semantic' | 'keyword' | 'hybrid'): OptionField {
	return selectOption(
		'mode',
		name,
		[
			{ text: 'Semantic (vector only)', value: 'semantic' },
			{ text: 'Keyword (full-text engine only)', value: 'keyword' },
			{ text: 'Hybrid (vector + keyword)', value: 'hybrid' },
		],
		{ defaultValue },
	);
}

/** The indexes a retrieval operation reads (empty: every index the permissions can read). */
export function indexesOption(): OptionField {
	return registryOption('indexes', 'Indexes', 'indexes', { multiple: true, note: 'Empty = every index the permissions can read.' });
}

/** How many results a retrieval operation takes. */
export function limitOption(name: string, max: number, defaultValue: number, what: string): OptionField {
	return {
		field: 'limit',
		name,
		type: 'integer',
		meta: { width: 'half', interface: 'input', options: { min: 1, max }, note: `${what} (1–${max}). Default ${defaultValue}.` },
		schema: { default_value: defaultValue },
	};
}

/**
 * What every retrieval operation asks, in this order: which indexes, the retrieval mode, how many
 * results (`limit`: name, most, default, what they are) and whose read permissions apply.
 */
export function retrievalOptions(mode: string, limit: { name: string; max: number; defaultValue: number; what: string }, permissionsNote: string): OptionField[] {
	return [indexesOption(), modeOption(mode, 'hybrid'), limitOption(limit.name, limit.max, limit.defaultValue, limit.what), permissionsOption(permissionsNote)];
}

/** A Directus filter on the items a retrieval operation may return. */
export function filterOption(): OptionField {
	return {
		field: 'filter',
		name: 'Filter',
		type: 'json',
		meta: { width: 'full', interface: 'input-code', options: { language: 'json', placeholder: '{ "status": { "_eq": "published" } }' }, note: 'Directus filter on the items.' },
	};
}

/** The text an analysis operation reads, usually a flow path. */
export function textOption(placeholder = '{{$trigger.payload.body}}'): OptionField {
	return {
		field: 'text',
		name: 'Text',
		type: 'text',
		meta: { width: 'full', interface: 'input-multiline', required: true, options: { placeholder }, note: 'The text to analyse. Flow paths such as {{$trigger.payload.body}} are filled in first; HTML is converted to text.' },
	};
}

/** Local (offline) or LLM engine, and the chat model for the latter. */
export function engineOptions(): OptionField[] {
	return [
		selectOption('engine', 'Engine', [{ text: 'Local (offline NLP)', value: 'local' }, { text: 'LLM (chat model)', value: 'llm' }], { note: 'Empty: ML_ANALYSIS_ENGINE (local by default).' }),
		{ field: 'model', name: 'Chat model', type: 'string', meta: { width: 'half', interface: 'input', note: 'LLM engine: a model id from ML Models. Empty = the default chat model.' } },
	];
}

/** The text a flow operation works on (a question, a query, a text to embed), usually filled from flow data. */
export function flowTextOption(field: string, name: string, note: string): OptionField {
	return { field, name, type: 'text', meta: { width: 'full', interface: 'input-multiline', required: true, note } };
}

/** An on/off option with its checkbox label. */
export function toggleOption(field: string, name: string, label: string, extra: { note?: string; defaultValue: boolean }): OptionField {
	return {
		field,
		name,
		type: 'boolean',
		meta: { width: 'half', interface: 'boolean', options: { label }, ...(extra.note ? { note: extra.note } : {}) },
		schema: { default_value: extra.defaultValue },
	};
}
