import { describe, expect, it } from 'vitest';
import { catalogueFor, moduleName } from './module-name.js';

describe('module names', () => {
	it('picks the catalogue by locale, then by language, then English', () => {
		expect(catalogueFor('de-DE').playground.search).toBe('Suchen');
		expect(catalogueFor('de-AT').playground.search).toBe('Suchen');
		expect(catalogueFor('fr-FR').playground.search).toBe('Search');
	});

	it('is English without a document language', () => {
		expect(moduleName((m) => m.playground.title)).toBe('ML Playground');
	});
});
