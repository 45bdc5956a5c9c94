import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { InterfaceConfig, OperationAppConfig } from '@directus/types';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DE_DE } from '../../shared/i18n/de-DE.js';
import { shownTexts } from '../../shared/i18n/localize.js';

// The Flow operation forms in the user's language: Directus reads `name`/`description` when the
// language changes and calls `options`/`overview` when it draws them; the suite answers from its
// catalogue for the language Directus has set on <html lang>.
// defineOperationApp and defineInterface are the identity; the SDK's entry point also loads its
// build tooling. (The interfaces' Vue components resolve to a stub in unit tests.)
vi.mock('@directus/extensions-sdk', () => ({ defineOperationApp: <T>(config: T): T => config, defineInterface: <T>(config: T): T => config }));

const subdirectories = (relative: string): string[] =>
	readdirSync(fileURLToPath(new URL(relative, import.meta.url)), { withFileTypes: true })
		.filter((e) => e.isDirectory())
		.map((e) => e.name);
const ids = subdirectories('../operations/');
const interfaceIds = subdirectories('../interfaces/');
const operations: Record<string, OperationAppConfig> = {};
const interfaces: Record<string, InterfaceConfig> = {};
const setLanguage = (lang: string): void => {
	(globalThis as { document?: unknown }).document = { documentElement: { lang } };
};
const flow = { flow: {} as never };
/** Option values that reach each branch of the overviews' defaults. */
const OVERVIEW_INPUTS = [{}, { wait: true, delayMs: 5, maxLength: 40, template: 'x' }, { wait: false }];

beforeAll(async () => {
	for (const id of ids) operations[id] = ((await import(`../operations/${id}/index.ts`)) as { default: OperationAppConfig }).default;
	for (const id of interfaceIds) interfaces[id] = ((await import(`../interfaces/${id}/index.ts`)) as { default: InterfaceConfig }).default;
}, 60_000);
afterEach(() => {
	delete (globalThis as { document?: unknown }).document;
});

function optionsOf(op: OperationAppConfig | InterfaceConfig): unknown {
	return typeof op.options === 'function' ? (op.options as (values: unknown) => unknown)({}) : op.options;
}
function overviewLabels(op: OperationAppConfig): string[] {
	if (typeof op.overview !== 'function') return [];
	const overview = op.overview;
	return OVERVIEW_INPUTS.flatMap((input) => overview(input, flow).map((e) => e.label));
}

describe('Flow operations and interfaces in the user language', () => {
	it('has a German entry for every shown text of every operation (names, notes, choices, labels, overview)', () => {
		setLanguage('en-US');
		expect(ids.length).toBeGreaterThanOrEqual(12);
		const missing: string[] = [];
		for (const [id, op] of Object.entries(operations)) {
			const texts = [op.name, op.description ?? '', ...shownTexts(optionsOf(op)), ...overviewLabels(op)].filter((t) => t !== '');
			for (const text of texts) if (DE_DE[text] === undefined) missing.push(`${id}: ${text}`);
		}
		expect(missing).toEqual([]);
	});

	it('has a German entry for every shown text of every interface (picker name, description, options)', () => {
		setLanguage('en-US');
		expect(interfaceIds.length).toBeGreaterThanOrEqual(5);
		const missing = Object.entries(interfaces).flatMap(([id, definition]) =>
			[definition.name, definition.description ?? '', ...shownTexts(optionsOf(definition))].filter((t) => t !== '' && DE_DE[t] === undefined).map((t) => `${id}: ${t}`),
		);
		expect(missing).toEqual([]);
		setLanguage('de-DE');
		expect(interfaces['registry-select']!.name).toBe('ML-Verzeichnis');
		expect((optionsOf(interfaces['registry-select']!) as { name: string }[]).map((o) => o.name)).toEqual(['Quelle', 'Aufgabe des Modells', 'Mehrere', 'Platzhalter']);
	});

	it('shows German names, option names, notes and choices when the app language is German, English otherwise', () => {
		const ask = operations.ask!;
		setLanguage('en-US');
		expect(ask.name).toBe('Ask (RAG)');
		const english = JSON.stringify(optionsOf(ask));
		expect(english).toContain('"name":"Question"');
		setLanguage('de-DE');
		expect(ask.name).toBe('Fragen (RAG)');
		expect(ask.description).toBe(DE_DE['Answer a question from the indexed content, with citations that link to the items.']);
		const german = optionsOf(ask) as { field: string; name: string; meta?: { note?: string; options?: { choices?: { text: string; value: string }[] } } }[];
		const question = german.find((f) => f.field === 'question')!;
		expect(question.name).toBe('Frage');
		expect(question.meta?.note).toBe('Mit {{$trigger.payload.field}} oder {{$last.field}} nach Daten des Flows fragen.');
		const mode = german.find((f) => f.field === 'mode')!;
		expect(mode.meta?.options?.choices).toEqual([
			{ text: 'Semantisch (nur Vektoren)', value: 'semantic' },
			{ text: 'Stichwort (nur Volltext-Engine)', value: 'keyword' },
			{ text: 'Hybrid (Vektoren + Stichwörter)', value: 'hybrid' },
		]);
		// Values, field keys and examples are not translated.
		expect(german.map((f) => f.field)).toEqual((JSON.parse(english) as { field: string }[]).map((f) => f.field));
		expect(JSON.stringify(german)).toContain('"placeholder":"{ \\"status\\": { \\"_eq\\": \\"published\\" } }"');
	});

	it('translates overview labels and defaults but never the option values they show', () => {
		setLanguage('de-DE');
		const overview = operations['semantic-search']!.overview as (options: Record<string, unknown>, context: typeof flow) => { label: string; text: string }[];
		expect(overview({ query: 'Active', mode: 'keyword' }, flow)).toEqual([
			{ label: 'Anfrage', text: 'Active' },
			{ label: 'Indizes', text: 'Alle' },
			{ label: 'Modus', text: 'keyword' },
			{ label: 'Limit', text: '10' },
		]);
	});

	it('falls back to English for a language without a catalogue', () => {
		setLanguage('fr-FR');
		expect(operations['embed-text']!.name).toBe('Embed text');
	});
});
