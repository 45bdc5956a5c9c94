/** A field as the app's fields store holds it (only what the picker reads). */
export interface StoreField {
	field: string;
	name?: string | null;
	type: string;
	meta?: { special?: string[] | null; hidden?: boolean | null } | null;
	schema?: { is_primary_key?: boolean } | null;
}

export interface FieldChoice {
	text: string;
	value: string;
	/** Shown after the name: the field's type. */
	type: string;
}

const TEXT_TYPES = new Set(['string', 'text', 'uuid', 'hash', 'csv']);

/** Fields that hold data (no aliases such as o2m lists, dividers or groups), text ones first when asked. */
export function fieldChoices(fields: StoreField[], options: { textOnly?: boolean } = {}): FieldChoice[] {
	return fields
		.filter((f) => f.type !== 'alias' && !(f.meta?.special ?? []).includes('no-data'))
		.filter((f) => !options.textOnly || TEXT_TYPES.has(f.type) || (f.type === 'json' && !(f.meta?.special ?? []).includes('m2m')))
		.map((f) => ({ text: f.name && f.name !== f.field ? `${f.name} (${f.field})` : f.field, value: f.field, type: f.type }));
}

/** The stored value (array, csv string or null) as a list of field names. */
export function toList(value: unknown): string[] {
	if (Array.isArray(value)) return value.map(String).filter(Boolean);
	if (typeof value === 'string') return value.split(',').map((s) => s.trim()).filter(Boolean);
	return [];
}
