import { stemmer } from 'stemmer';
import { describe, expect, it } from 'vitest';
import { analyzeQuery, analyzeText, memoisedStems, stem, STEMS_KEPT } from './analyze-text.js';
import { ENGLISH_STOP_WORDS } from './stop-words.js';
import { tokenize } from './tokenize.js';

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
	it('memoised stems are the stemmer\'s own, for repeated and new words alike', () => {
		const text = 'Generalizations generalize; the generalized generalization of running runners ran relational relativity conditionally';
		const words = tokenize(text, { folding: 'accents', spaceless: 'runs', splitAtMarks: true, maxLength: 64 });
		for (let pass = 0; pass < 2; pass++) for (const word of words) expect(stem(word)).toBe(stemmer(word));
		expect(analyzeText(`${text} ${text}`)).toEqual([...words, ...words].filter((w) => !ENGLISH_STOP_WORDS.has(w)).map((w) => stemmer(w)));
	});
	it('keeps at most STEMS_KEPT words memoised', () => {
		for (let i = 0; i <= STEMS_KEPT + 10; i++) expect(stem(`w${i}ings`)).toBe(stemmer(`w${i}ings`));
		expect(memoisedStems()).toBeGreaterThan(0);
		expect(memoisedStems()).toBeLessThanOrEqual(STEMS_KEPT);
	});
});
