import { createI18n } from 'vue-i18n';
import { describe, expect, it } from 'vitest';
import { DE_DE, DE_DE_FIELD_NAMES } from '../../shared/i18n/de-DE.js';
import { SUITE_COLLECTIONS } from './apply-suite-schema.js';
import { KEY_PREFIX, messageValue, schemaTexts, translatedCollections, translationKey, translationRows } from './schema-translations.js';

describe('suite collections in the user language', () => {
	const texts = schemaTexts(SUITE_COLLECTIONS);
	const translated = translatedCollections(SUITE_COLLECTIONS);

	it('has a German entry for every note, choice and label, and a German name for every visible field and collection', () => {
		expect(texts.length).toBeGreaterThan(100);
		expect(texts.filter((t) => DE_DE[t] === undefined)).toEqual([]);
		const unnamed = SUITE_COLLECTIONS.flatMap((c) => c.fields.filter((f) => !f.meta.hidden && DE_DE_FIELD_NAMES[f.field] === undefined).map((f) => `${c.collection}.${f.field}`));
		expect(unnamed).toEqual([]);
		for (const def of translated) {
			const names = def.meta.translations as { language: string; translation: string }[];
			expect(names.map((n) => n.language).sort(), def.collection).toEqual(['de-DE', 'en-US']);
		}
	});

	it('replaces every shown English text by a custom translation key, and keeps values, fields and examples', () => {
		const models = translated.find((c) => c.collection === 'ml_models')!;
		const provider = models.fields.find((f) => f.field === 'provider')!;
		const choices = (provider.meta.options as { choices: { text: string; value: string }[] }).choices;
		expect(choices.map((c) => c.value)).toEqual(['local', 'openai', 'openai-compatible']);
		expect(choices[0]!.text).toBe(`$t:${translationKey('Local (offline)')}`);
		const displayed = (provider.meta.display_options as { choices: { text: string }[] }).choices;
		expect(displayed[0]!.text).toBe(choices[0]!.text);
		const modelId = models.fields.find((f) => f.field === 'model_id')!;
		expect(modelId.meta.note).toBe(`$t:${translationKey('The id the provider knows, e.g. text-embedding-3-small or nomic-embed-text.')}`);
		expect(modelId.meta.translations).toEqual([{ language: 'de-DE', translation: 'Modell-ID' }]);
		const keyEnv = models.fields.find((f) => f.field === 'api_key_env')!;
		expect((keyEnv.meta.options as { placeholder: string }).placeholder).toBe('OPENAI_API_KEY');
		// No English shown text is left anywhere in the translated definitions.
		const leftovers = schemaTexts(translated).filter((t) => !t.startsWith('$t:'));
		expect(leftovers).toEqual([]);
	});

	it('makes one readable, stable key per text and a row per key and language, German where the catalogue has it', () => {
		const keys = texts.map(translationKey);
		expect(new Set(keys).size).toBe(texts.length);
		expect(translationKey('Active')).toBe(translationKey('Active'));
		expect(translationKey('Active')).toMatch(new RegExp(`^${KEY_PREFIX}active_[0-9a-f]{8}$`));
		expect(keys.every((k) => /^[a-z0-9_]+$/.test(k))).toBe(true);
		const rows = translationRows(['Active', 'Paused'], ['de-DE', 'en-US', 'fr-FR']);
		expect(rows).toEqual([
			{ key: translationKey('Active'), language: 'de-DE', value: 'Aktiv' },
			{ key: translationKey('Active'), language: 'en-US', value: 'Active' },
			{ key: translationKey('Active'), language: 'fr-FR', value: 'Active' },
			{ key: translationKey('Paused'), language: 'de-DE', value: 'Pausiert' },
			{ key: translationKey('Paused'), language: 'en-US', value: 'Paused' },
			{ key: translationKey('Paused'), language: 'fr-FR', value: 'Paused' },
		]);
	});

	it('writes values Directus compiles to exactly the text: braces are literals, every other character as is', () => {
		const text = 'Use {{$trigger.key}} or {"a": 1} | @me';
		const value = messageValue(text);
		expect(value).toBe("Use {'{'}{'{'}$trigger.key{'}'}{'}'} or {'{'}\"a\": 1{'}'} | @me");
		// What the app does with a custom translation: escape @ $ | (kh in Directus's translations store), then compile.
		const appEscaped = value.replace(/([@$|])/g, "{'$1'}");
		const i18n = createI18n({ legacy: false, locale: 'en-US', messages: { 'en-US': { k: appEscaped } } });
		expect(i18n.global.t('k')).toBe(text);
		for (const row of translationRows(texts, ['de-DE', 'en-US'])) {
			const compiled = createI18n({ legacy: false, locale: row.language, messages: { [row.language]: { k: row.value.replace(/([@$|])/g, "{'$1'}") } } });
			expect(compiled.global.t('k')).toBe(row.language === 'de-DE' ? (DE_DE[texts.find((t) => translationKey(t) === row.key)!] ?? '') : texts.find((t) => translationKey(t) === row.key));
		}
	});
});
