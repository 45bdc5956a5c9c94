import { createI18n } from 'vue-i18n';
import { describe, expect, it } from 'vitest';
import { messages } from './messages.js';

function keys(value: unknown, prefix = ''): string[] {
	if (typeof value === 'string') return [prefix];
	return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

describe('suite messages', () => {
	const english = keys(messages['en-US']).sort();

	it('every language has exactly the English keys', () => {
		for (const [locale, catalogue] of Object.entries(messages)) expect(keys(catalogue).sort(), locale).toEqual(english);
	});

	it('every message compiles and interpolates in every language (no stray vue-i18n syntax)', () => {
		for (const locale of Object.keys(messages)) {
			const i18n = createI18n({ legacy: false, locale, fallbackLocale: 'en-US', messages, missingWarn: false, fallbackWarn: false });
			const errors: string[] = [];
			for (const key of english) {
				try {
					const text = i18n.global.t(key, { count: 3, ms: '5.4 s', percent: 87, queue: 'indexing', minutes: 60, state: 'x', n: 1, id: '7', name: 'reindex', message: 'm', score: '0.0328', input: 1, output: 2, completed: 4, failed: 1, made: 1, max: 3, priority: 5, index: 'articles', backend: 'inline', field: 'topic', pipeline: 'Article insights', analysis: 'summary', fields: 'model', items: 12, chunks: 40, vectors: 40, store: 'embedded', model: 'local-hash-384', processed: 3, total: 12, page: 1, pages: 3 }, 3);
					if (text === key || /[{}]/.test(text)) errors.push(`${locale} ${key}: ${text}`);
				} catch (error) {
					errors.push(`${locale} ${key}: ${(error as Error).message}`);
				}
			}
			expect(errors).toEqual([]);
		}
	});

	it('German differs from English (the mechanism is not a copy)', () => {
		expect(messages['de-DE']?.playground.search).toBe('Suchen');
		expect(messages['de-DE']?.queue.col.duration).toBe('Dauer');
	});
});
