import { createHash } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { CATALOGUES, localizeText, SHOWN_TEXT_KEYS, shownTexts, TRANSLATED_LOCALES } from '../../shared/i18n/localize.js';
import { DE_DE_FIELD_NAMES } from '../../shared/i18n/de-DE.js';
import type { HostContext } from '../container-types.js';
import { systemAdmin } from './ensure-schema.js';
import { collectionChange, fieldChange, type CollectionDef } from './field-builders.js';

/**
 * The suite's collections in the admin user's language, the Directus way:
 * - collection and field names through their `translations` (one entry per language);
 * - notes, choice texts and labels as `$t:` custom translation keys, whose values live in
 *   `directus_translations` (Settings → Translations), where admins can also edit them.
 *
 * A key is made from the English text (a readable slug and a hash of it), so a new wording in a
 * later version is a new key: what an admin edited is never overwritten, and an upgrade still
 * brings its new texts. Keys the suite no longer uses are removed.
 *
 * Directus loads only the user's language from `directus_translations`, and shows a bare key when
 * that language lacks one, so every key gets a row in each language in use (project default, each
 * user's choice, English and the suite's catalogues); languages without a catalogue carry English.
 */

export const KEY_PREFIX = 'ml_suite_';

/** The custom translation key of an English text. */
export function translationKey(english: string): string {
	const slug = english
		.toLowerCase()
		.normalize('NFKD')
		.replace(/[^a-z0-9]+/g, '_')
		.replace(/^_+|_+$/g, '')
		.split('_')
		.slice(0, 4)
		.join('_');
	const hash = createHash('sha1').update(english).digest('hex').slice(0, 8);
	return `${KEY_PREFIX}${slug ? `${slug}_` : ''}${hash}`;
}

type Meta = Record<string, unknown>;

/** A field's or collection's meta with its shown texts replaced by `$t:` keys (names via `translations`). */
function keyedMeta(meta: Meta): Meta {
	const walk = (node: unknown): unknown => {
		if (Array.isArray(node)) return node.map(walk);
		if (!node || typeof node !== 'object') return node;
		return Object.fromEntries(Object.entries(node).map(([key, child]) => [key, typeof child === 'string' && SHOWN_TEXT_KEYS.has(key) && child.trim() !== '' ? `$t:${translationKey(child)}` : walk(child)]));
	};
	const { translations, ...rest } = meta;
	return { ...(walk(rest) as Meta), ...(translations === undefined ? {} : { translations }) };
}

/** Field name translations: the given ones plus each catalogue's name for the field (when it has one). */
function fieldNames(field: string, given: unknown): Meta['translations'] {
	const entries = Array.isArray(given) ? [...(given as { language: string; translation: string }[])] : [];
	const german = DE_DE_FIELD_NAMES[field];
	if (german && !entries.some((e) => e.language === 'de-DE')) entries.push({ language: 'de-DE', translation: german });
	return entries.length > 0 ? entries : null;
}

/** Collection name translations with the catalogues' names added. */
function collectionNames(given: unknown): Meta['translations'] {
	const entries = Array.isArray(given) ? [...(given as { language: string; translation: string; singular?: string; plural?: string }[])] : [];
	const english = entries.find((e) => e.language === 'en-US');
	if (!english) return given as Meta['translations'];
	for (const locale of TRANSLATED_LOCALES) {
		if (entries.some((e) => e.language === locale)) continue;
		entries.push({
			language: locale,
			translation: localizeText(english.translation, locale),
			singular: localizeText(english.singular ?? english.translation, locale),
			plural: localizeText(english.plural ?? english.translation, locale),
		});
	}
	return entries;
}

/** The collections as they are created: translated names, `$t:` keys for notes, choices and labels. */
export function translatedCollections(collections: CollectionDef[]): CollectionDef[] {
	return collections.map((def) => ({
		...def,
		meta: keyedMeta({ ...def.meta, translations: collectionNames(def.meta.translations) }),
		fields: def.fields.map((field) => ({ ...field, meta: keyedMeta({ ...field.meta, translations: fieldNames(field.field, field.meta.translations) }) })),
	}));
}

/** Every English text the collections show (the custom translations they need). */
export function schemaTexts(collections: CollectionDef[]): string[] {
	const texts = new Set<string>();
	for (const def of collections) {
		const { translations: _collectionNames, ...collectionMeta } = def.meta;
		for (const text of shownTexts(collectionMeta)) texts.add(text);
		for (const field of def.fields) {
			const { translations: _names, ...meta } = field.meta;
			for (const text of shownTexts(meta)) texts.add(text);
		}
	}
	return [...texts];
}

export interface TranslationRow {
	key: string;
	language: string;
	value: string;
}

/**
 * A text as a custom translation value. Directus compiles those as vue-i18n messages and escapes
 * only `@`, `$` and `|` itself, so a brace (the suite's notes show `{{$trigger.key}}` and JSON)
 * would start a placeholder and fail the app's whole translation step: braces become literals.
 */
export function messageValue(text: string): string {
	return text.replace(/[{}]/g, (brace) => `{'${brace}'}`);
}

/** The rows the keys need in the given languages (English text where a language has no catalogue entry). */
export function translationRows(texts: string[], languages: string[]): TranslationRow[] {
	const rows: TranslationRow[] = [];
	for (const text of texts) {
		for (const language of languages) rows.push({ key: translationKey(text), language, value: messageValue(localizeText(text, language)) });
	}
	return rows;
}

/** Languages the admin app may be shown in: English, the catalogues', the project default and each user's. */
export async function languagesInUse(host: HostContext): Promise<string[]> {
	const languages = new Set<string>(['en-US', ...Object.keys(CATALOGUES)]);
	const settings = await host.database('directus_settings').first('default_language').catch(() => undefined);
	if (settings?.default_language) languages.add(String(settings.default_language));
	const users = (await host.database('directus_users').distinct('language').whereNotNull('language')) as { language: string }[];
	for (const { language } of users) if (language) languages.add(language);
	return [...languages].sort();
}

/**
 * Makes `directus_translations` hold a row for every key the collections use in every given
 * language (existing rows, edited or not, are kept), and removes rows of keys the suite no longer
 * uses. Writes through Directus's own service. Returns the number of rows created and removed.
 */
export async function ensureTranslationRows(host: HostContext, texts: string[], languages: string[]): Promise<{ created: number; removed: number }> {
	const { ItemsService } = host.services;
	const service = new ItemsService('directus_translations', { accountability: systemAdmin(), schema: await host.getSchema(), knex: host.database });
	const existing = (await host.database('directus_translations').select('id', 'key', 'language').where('key', 'like', `${KEY_PREFIX}%`)) as { id: string; key: string; language: string }[];
	const present = new Set(existing.map((row) => `${row.key}\u0000${row.language}`));
	const wanted = translationRows(texts, languages);
	const missing = wanted.filter((row) => !present.has(`${row.key}\u0000${row.language}`));
	const keys = new Set(wanted.map((row) => row.key));
	const unused = existing.filter((row) => !keys.has(row.key)).map((row) => row.id);
	if (missing.length > 0) await service.createMany(missing);
	if (unused.length > 0) await service.deleteMany(unused);
	return { created: missing.length, removed: unused.length };
}

/**
 * Upgrades installs made before the suite's collections were translated: a field or collection
 * whose meta still reads exactly as the suite first created it gets the translated meta. Anything
 * an admin changed stays as it is. Returns the names of what was updated.
 */
export async function upgradeUntranslatedMeta(host: HostContext, collections: CollectionDef[]): Promise<string[]> {
	const { CollectionsService, FieldsService } = host.services;
	const accountability = systemAdmin();
	const schema = await host.getSchema({ bypassCache: true });
	const translated = translatedCollections(collections);
	const updated: string[] = [];
	const collectionsService = new CollectionsService({ accountability, schema, knex: host.database });
	const fieldsService = new FieldsService({ accountability, schema, knex: host.database });
	const stored = new Map<string, Meta>(((await collectionsService.readByQuery()) as { collection: string; meta: Meta | null }[]).filter((c) => c.meta).map((c) => [c.collection, c.meta as Meta]));
	for (const [index, def] of collections.entries()) {
		const target = translated[index]!;
		const current = stored.get(def.collection);
		if (!current) continue;
		const patch = changedParts(current, def.meta, target.meta, ['note', 'translations']);
		if (patch) {
			await collectionsService.updateOne(def.collection, collectionChange(patch));
			updated.push(def.collection);
		}
		if (!def.schema) continue;
		const fields = new Map<string, Meta>(((await fieldsService.readAll(def.collection)) as { field: string; meta: Meta | null }[]).filter((f) => f.meta).map((f) => [f.field, f.meta as Meta]));
		for (const [position, field] of def.fields.entries()) {
			const present = fields.get(field.field);
			if (!present) continue;
			const fieldPatch = changedParts(present, field.meta, target.fields[position]!.meta, ['note', 'options', 'display_options', 'translations']);
			if (!fieldPatch) continue;
			await fieldsService.updateField(def.collection, fieldChange({ field: field.field, meta: fieldPatch }));
			updated.push(`${def.collection}.${field.field}`);
		}
	}
	return updated;
}

/** The parts of `current` that still equal the suite's original and differ from the translated target. */
function changedParts(current: Meta, original: Meta, target: Meta, parts: string[]): Meta | null {
	const patch: Meta = {};
	for (const part of parts) {
		const now = current[part] ?? null;
		const was = original[part] ?? null;
		const next = target[part] ?? null;
		if (isDeepStrictEqual(now, next)) continue;
		if (isDeepStrictEqual(now, was)) patch[part] = next;
	}
	return Object.keys(patch).length > 0 ? patch : null;
}
