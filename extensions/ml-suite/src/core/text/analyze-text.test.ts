import { describe, expect, it } from 'vitest';
import { analyzeQuery, analyzeText } from './analyze-text.js';

describe('analyzeText', () => {
	it('folds case and accents, drops stop words and stems English', () => {
		expect(analyzeText('The Cafés were RUNNING quickly, and indexing indexed indexes')).toEqual(['cafe', 'run', 'quickli', 'index', 'index', 'index']);
	});
	it('keeps stop words and does not stem for other languages', () => {
		expect(analyzeText('Die Häuser the running', 'simple')).toEqual(['die', 'hauser', 'the', 'running']);
	});
	it('splits on punctuation and keeps digits', () => {
		expect(analyzeText('discount-code 9063; e-mail')).toEqual(['discount', 'code', '9063', 'e', 'mail']);
	});
	it('gives distinct query terms in order', () => {
		expect(analyzeQuery('lava lava magma', 'english')).toEqual(['lava', 'magma']);
		expect(analyzeQuery('the of and')).toEqual([]);
	});
});
