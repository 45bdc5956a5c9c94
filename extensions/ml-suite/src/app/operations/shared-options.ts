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
