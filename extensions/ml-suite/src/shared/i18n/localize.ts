import { DE_DE } from './de-DE.js';

/**
 * Translations of the suite's definitions that Directus shows outside the suite's own screens:
 * Flow operation forms (names, notes, choices, labels) and the suite collections' field notes and
 * choices. The English text in the definitions is the source and the key (gettext style), so a
 * definition reads as it shows; every other language maps each English text to its own.
 * Placeholders are examples (flow paths, JSON) and stay as written.
 */
export const CATALOGUES: Record<string, Readonly<Record<string, string>>> = { 'de-DE': DE_DE };

/** Languages with a catalogue, besides English. */
export const TRANSLATED_LOCALES = Object.keys(CATALOGUES);

/** The catalogue for a Directus locale code: exact, then same language; none for English. */
export function catalogueOf(locale: string): Readonly<Record<string, string>> | undefined {
	const language = locale.split('-')[0];
	return CATALOGUES[locale] ?? Object.entries(CATALOGUES).find(([code]) => code.split('-')[0] === language)?.[1];
}

/** One English text in the given language (itself when the language has no entry for it). */
export function localizeText(text: string, locale: string): string {
	return catalogueOf(locale)?.[text] ?? text;
}

/** The keys whose string values are shown text (as opposed to ids, values, paths and examples). */
export const SHOWN_TEXT_KEYS = new Set(['name', 'note', 'text', 'label', 'description']);

/**
 * A copy of a definition (an operation's option fields, a field's meta) with its shown text in the
 * given language. Values under other keys (`field`, `value`, `placeholder`, …) are kept as they are.
 */
export function localizeShownText<T>(value: T, locale: string): T {
	const catalogue = catalogueOf(locale);
	if (!catalogue) return value;
	const walk = (node: unknown): unknown => {
		if (Array.isArray(node)) return node.map(walk);
		if (!node || typeof node !== 'object') return node;
		return Object.fromEntries(
			Object.entries(node).map(([key, child]) => [key, typeof child === 'string' && SHOWN_TEXT_KEYS.has(key) ? (catalogue[child] ?? child) : walk(child)]),
		);
	};
	return walk(value) as T;
}

/** Every shown text of a definition (for completeness checks of the catalogues). */
export function shownTexts(value: unknown): string[] {
	const texts = new Set<string>();
	const walk = (node: unknown): void => {
		if (Array.isArray(node)) return node.forEach(walk);
		if (!node || typeof node !== 'object') return;
		for (const [key, child] of Object.entries(node)) {
			if (typeof child === 'string' && SHOWN_TEXT_KEYS.has(key) && child.trim() !== '') texts.add(child);
			else walk(child);
		}
	};
	walk(value);
	return [...texts];
}
