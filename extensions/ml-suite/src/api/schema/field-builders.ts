import type { ApiCollection, ExtensionsServices, RawCollection, RawField, Relation } from '@directus/types';

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

/** A collection's name in the app, in English; other languages come from the suite's catalogues (schema-translations.ts). */
export const named = (plural: string, singular: string): { language: string; translation: string; singular: string; plural: string }[] => [
	{ language: 'en-US', translation: plural, singular, plural },
];

export interface Choice {
	text: string;
	value: string;
	foreground?: string;
	background?: string;
	icon?: string;
}

/**
 * The `labels` display for a set of values: a coloured badge with the value's text (never a bare
 * dot, which says nothing to someone reading a table). Values outside `choices` show as plain text.
 */
export const labelsDisplay = (choices: Choice[]): Meta => ({
	display: 'labels',
	display_options: {
		showAsDot: false,
		choices: choices.map(({ text, value, foreground, background, icon }) => ({
			text,
			value,
			icon: icon ?? null,
			foreground: foreground ?? 'var(--theme--foreground)',
			background: background ?? 'var(--theme--background-normal)',
		})),
	},
});

/** A dropdown whose values show as coloured labels in tables. */
export const select = (name: string, choices: Choice[], defaultValue: string | null, meta: Meta = {}): FieldDef =>
	field(
		name,
		'string',
		{
			interface: 'select-dropdown',
			options: { choices: choices.map(({ text, value, icon }) => ({ text, value, icon })) },
			...labelsDisplay(choices),
			width: 'half',
			...meta,
		},
		{ max_length: 64, default_value: defaultValue },
	);

/** A form-only field (no column) showing an interface, e.g. a panel on an item's page. */
export const presentation = (name: string, iface: string, meta: Meta = {}): FieldDef =>
	field(name, 'alias', { interface: iface, special: ['alias', 'no-data'], width: 'full', ...meta }, null);

export const manyToOne = (name: string, type: 'uuid' | 'integer', meta: Meta = {}): FieldDef =>
	field(name, type, { interface: 'select-dropdown-m2o', special: ['m2o'], width: 'half', ...meta }, type === 'uuid' ? { length: 36 } : {});

export const STATUS_COLORS = {
	success: { foreground: '#FFFFFF', background: 'var(--theme--success)' },
	warning: { foreground: '#FFFFFF', background: 'var(--theme--warning)' },
	danger: { foreground: '#FFFFFF', background: 'var(--theme--danger)' },
	primary: { foreground: '#FFFFFF', background: 'var(--theme--primary)' },
	muted: { foreground: 'var(--theme--foreground)', background: 'var(--theme--background-normal)' },
	/** Tints for categories (provider, task, source) that are not states: readable in light and dark themes. */
	blue: { foreground: '#1F4E9E', background: '#DCE8FB' },
	purple: { foreground: '#5B2FA8', background: '#EBE2FA' },
	teal: { foreground: '#0B5E57', background: '#D5F2EE' },
	orange: { foreground: '#8A4300', background: '#FCE6D2' },
	pink: { foreground: '#9B1C5A', background: '#FADDEA' },
	grey: { foreground: '#3D4653', background: '#E4E7EB' },
} as const;

/**
 * A default layout an admin sees before customising one (a global `directus_presets` row:
 * no user, no role, no bookmark): which columns, in which order, sorted how.
 */
export interface LayoutDef {
	collection: string;
	fields: string[];
	sort: string[];
	/** Column widths in px by field. */
	widths?: Record<string, number>;
}

export function collection(name: string, meta: Meta, fields: FieldDef[]): CollectionDef {
	return { collection: name, meta: { collection: name, ...meta }, schema: {}, fields };
}

/** The suite's folder in the admin app's navigation. */
export const SUITE_GROUP = 'ml_suite';

/** One of the suite's collections: in its folder, named in English as `[plural, singular]`. */
export function suiteCollection(name: string, [plural, singular]: [string, string], meta: Meta, fields: FieldDef[]): CollectionDef {
	return collection(name, { group: SUITE_GROUP, translations: named(plural, singular), ...meta }, fields);
}

/** Directus's archive settings for a collection whose `status` has an archived value. */
export const archivedAs = (archiveValue: string, unarchiveValue: string): Meta => ({ archive_field: 'status', archive_value: archiveValue, unarchive_value: unarchiveValue });

const state = (text: string, value: string, color: { foreground: string; background: string }): Choice => ({ text, value, ...color });

/**
 * The states a `status` field takes across the suite's and the demo's collections, each with one
 * text and colour; a collection that tints a state differently spreads another colour over it
 * where it lists it (`{ ...STATES.draft, ...STATUS_COLORS.primary }`).
 */
export const STATES = {
	active: state('Active', 'active', STATUS_COLORS.success),
	disabled: state('Disabled', 'disabled', STATUS_COLORS.muted),
	paused: state('Paused', 'paused', STATUS_COLORS.warning),
	archived: state('Archived', 'archived', STATUS_COLORS.muted),
	draft: state('Draft', 'draft', STATUS_COLORS.muted),
	published: state('Published', 'published', STATUS_COLORS.success),
	todo: state('To do', 'todo', STATUS_COLORS.muted),
	inProgress: state('In progress', 'in_progress', STATUS_COLORS.primary),
	done: state('Done', 'done', STATUS_COLORS.success),
	pending: state('Pending', 'pending', STATUS_COLORS.primary),
	queued: state('Queued', 'queued', STATUS_COLORS.primary),
	running: state('Running', 'running', STATUS_COLORS.primary),
	processing: state('Processing', 'processing', STATUS_COLORS.warning),
	indexed: state('Indexed', 'indexed', STATUS_COLORS.success),
	stale: state('Stale', 'stale', STATUS_COLORS.warning),
	completed: state('Completed', 'completed', STATUS_COLORS.success),
	success: state('Success', 'success', STATUS_COLORS.success),
	failed: state('Failed', 'failed', STATUS_COLORS.danger),
	error: state('Error', 'error', STATUS_COLORS.danger),
	cancelled: state('Cancelled', 'cancelled', STATUS_COLORS.muted),
	excluded: state('Excluded', 'excluded', STATUS_COLORS.muted),
	skipped: state('Skipped', 'skipped', STATUS_COLORS.muted),
} as const satisfies Record<string, Choice>;

/** A collection's `status` dropdown over some of the STATES. */
export const status = (states: Choice[], defaultValue: string, meta: Meta = {}): FieldDef => select('status', states, defaultValue, meta);

/*
 * Directus's services take partial `meta` and `schema` objects and complete them with their
 * defaults, but `@directus/types` declares several parameters as complete rows (`createField`
 * wants a whole `FieldMeta`, `updateField` a `type`, `RelationsService.createOne` a whole
 * `RelationMeta`). The definitions above are handed over through these views, in one place.
 */
type CreateFieldInput = Parameters<InstanceType<ExtensionsServices['FieldsService']>['createField']>[1];

/** A field definition as `FieldsService.createField` declares its input. */
export const fieldToCreate = (def: FieldDef): CreateFieldInput => def as unknown as CreateFieldInput;

/** A field change (`field` plus a partial `meta`) as `FieldsService.updateField` declares its input. */
export const fieldChange = (change: { field: string; meta: Record<string, unknown> }): RawField => change as unknown as RawField;

/** A collection definition as `CollectionsService.createOne` declares its input (fields only for a table, not a folder). */
export const collectionToCreate = (def: CollectionDef): RawCollection =>
	({ collection: def.collection, meta: def.meta, schema: def.schema, fields: def.schema ? def.fields : undefined }) as unknown as RawCollection;

/** A partial collection `meta` as `CollectionsService.updateOne` declares its input. */
export const collectionChange = (meta: Record<string, unknown>): Partial<ApiCollection> => ({ meta }) as unknown as Partial<ApiCollection>;

/** A relation definition as `RelationsService.createOne` declares its input. */
export const relationToCreate = (def: RelationDef): Partial<Relation> => def as unknown as Partial<Relation>;
