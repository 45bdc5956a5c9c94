/**
 * Small builders for Directus collection/field definitions in the shape CollectionsService,
 * FieldsService and RelationsService accept. They keep the schema definitions readable.
 */
export interface FieldDef {
	field: string;
	type: string;
	meta: Record<string, unknown>;
	schema: Record<string, unknown> | null;
}

export interface CollectionDef {
	collection: string;
	meta: Record<string, unknown>;
	/** null for a folder (a navigation group with no table). */
	schema: Record<string, unknown> | null;
	fields: FieldDef[];
}

export interface RelationDef {
	collection: string;
	field: string;
	related_collection: string;
	meta: Record<string, unknown>;
	schema: { on_delete: 'CASCADE' | 'SET NULL' | 'NO ACTION' };
}

type Meta = Record<string, unknown>;

const field = (name: string, type: string, meta: Meta, schema: Record<string, unknown> | null = {}): FieldDef => ({
	field: name,
	type,
	meta: { field: name, ...meta },
	schema,
});

export const uuidPk = (): FieldDef =>
	field('id', 'uuid', { hidden: true, readonly: true, interface: 'input', special: ['uuid'] }, { is_primary_key: true, length: 36, has_auto_increment: false });

export const intPk = (): FieldDef =>
	field('id', 'integer', { hidden: true, readonly: true, interface: 'input' }, { is_primary_key: true, has_auto_increment: true });

export const text = (name: string, meta: Meta = {}, schema: Record<string, unknown> = {}): FieldDef =>
	field(name, 'string', { interface: 'input', ...meta }, { max_length: 255, ...schema });

export const longText = (name: string, meta: Meta = {}): FieldDef => field(name, 'text', { interface: 'input-multiline', ...meta });

export const integer = (name: string, meta: Meta = {}, schema: Record<string, unknown> = {}): FieldDef =>
	field(name, 'integer', { interface: 'input', ...meta }, schema);

export const float = (name: string, meta: Meta = {}, schema: Record<string, unknown> = {}): FieldDef =>
	field(name, 'float', { interface: 'input', ...meta }, schema);

export const bool = (name: string, defaultValue: boolean, meta: Meta = {}): FieldDef =>
	field(name, 'boolean', { interface: 'boolean', special: ['cast-boolean'], width: 'half', ...meta }, { default_value: defaultValue, is_nullable: false });

export const json = (name: string, meta: Meta = {}): FieldDef => field(name, 'json', { interface: 'input-code', options: { language: 'json' }, special: ['cast-json'], ...meta });

export const csv = (name: string, meta: Meta = {}): FieldDef => field(name, 'csv', { interface: 'tags', special: ['cast-csv'], ...meta });

export const timestamp = (name: string, meta: Meta = {}): FieldDef =>
	field(name, 'timestamp', { interface: 'datetime', display: 'datetime', display_options: { relative: true }, width: 'half', ...meta });

export const dateCreated = (): FieldDef =>
	timestamp('date_created', { special: ['date-created'], readonly: true, hidden: true });

export const dateUpdated = (): FieldDef =>
	timestamp('date_updated', { special: ['date-updated'], readonly: true, hidden: true });

export const sortField = (): FieldDef => integer('sort', { hidden: true });

export interface Choice {
	text: string;
	value: string;
	foreground?: string;
	background?: string;
	icon?: string;
}

/** A dropdown whose values show as coloured labels in tables. */
export const select = (name: string, choices: Choice[], defaultValue: string | null, meta: Meta = {}): FieldDef =>
	field(
		name,
		'string',
		{
			interface: 'select-dropdown',
			options: { choices: choices.map(({ text, value, icon }) => ({ text, value, icon })) },
			display: 'labels',
			display_options: {
				showAsDot: true,
				choices: choices.map(({ text, value, foreground, background }) => ({
					text,
					value,
					foreground: foreground ?? 'var(--theme--foreground)',
					background: background ?? 'var(--theme--background-normal)',
				})),
			},
			width: 'half',
			...meta,
		},
		{ max_length: 64, default_value: defaultValue },
	);

export const manyToOne = (name: string, type: 'uuid' | 'integer', meta: Meta = {}): FieldDef =>
	field(name, type, { interface: 'select-dropdown-m2o', special: ['m2o'], width: 'half', ...meta }, type === 'uuid' ? { length: 36 } : {});

export const STATUS_COLORS = {
	success: { foreground: '#FFFFFF', background: 'var(--theme--success)' },
	warning: { foreground: '#FFFFFF', background: 'var(--theme--warning)' },
	danger: { foreground: '#FFFFFF', background: 'var(--theme--danger)' },
	primary: { foreground: '#FFFFFF', background: 'var(--theme--primary)' },
	muted: { foreground: 'var(--theme--foreground)', background: 'var(--theme--background-normal)' },
} as const;

export function collection(name: string, meta: Meta, fields: FieldDef[]): CollectionDef {
	return { collection: name, meta: { collection: name, ...meta }, schema: {}, fields };
}
