import { describe, expect, it } from 'vitest';
import { LOCAL_EMBEDDER_STOP_WORDS, ENGLISH_STOP_WORDS } from './stop-words.js';
import { foldText, forEachEmbedderWord, queryTerms, tokenize } from './tokenize.js';

describe('tokenize', () => {
	it('splits on anything that is not a letter or digit, case-folded, keeping accents by default', () => {
		expect(tokenize("Café-Bar: don't PANIC, 3.14 × 2_000!")).toEqual(['café', 'bar', 'don', 't', 'panic', '3', '14', '2', '000']);
	});

	it('folds accents, compatibility forms and ligatures with `accents`', () => {
		expect(tokenize('Crème BRÛLÉE ﬁne Ｆｕｌｌ', { folding: 'accents' })).toEqual(['creme', 'brulee', 'fine', 'full']);
		expect(foldText('Å ﬁ', 'case')).toBe('å fi');
	});

	it('keeps letters and digits of any script, and astral letters whole', () => {
		expect(tokenize('Привет мир! Ελληνικά κείμενα; عربي ١٢٣ 𐌲𐌿𐍄𐌹𐍃𐌺')).toEqual(['привет', 'мир', 'ελληνικά', 'κείμενα', 'عربي', '١٢٣', '𐌲𐌿𐍄𐌹𐍃𐌺']);
	});

	it('keeps combining marks inside words (Indic vowel signs, Thai tone marks); splitAtMarks reproduces the old index stream', () => {
		expect(tokenize('हिन्दी भाषा')).toEqual(['हिन्दी', 'भाषा']);
		expect(tokenize('हिन्दी', { splitAtMarks: true })).toEqual(['ह', 'न', 'द']);
	});

	it('splits Chinese, Japanese and Thai runs into words, or keeps them as runs with `spaceless: runs`', () => {
		expect(tokenize('東京タワーの高さ')).toEqual(['東京タワー', 'の', '高', 'さ']);
		expect(tokenize('ภาษาไทยง่าย')).toEqual(['ภาษา', 'ไทย', 'ง่าย']);
		expect(tokenize('東京タワーの高さ', { spaceless: 'runs' })).toEqual(['東京タワーの高さ']);
	});

	it('drops tokens longer than maxLength', () => {
		expect(tokenize(`short ${'x'.repeat(65)} end`, { maxLength: 64 })).toEqual(['short', 'end']);
	});

	it('returns nothing for text without letters or digits', () => {
		expect(tokenize('  — !? 😀 ')).toEqual([]);
	});
});

describe('queryTerms', () => {
	it('keeps distinct content terms in order, without stop words or one-letter tokens', () => {
		expect(queryTerms('What is the refund policy for the Refund of a T-shirt?')).toEqual(['refund', 'policy', 'shirt']);
	});

	it('keeps one-character words of spaceless scripts', () => {
		expect(queryTerms('東京の高さ')).toEqual(['東京', 'の', '高', 'さ']);
	});
});

describe('forEachEmbedderWord', () => {
	const words = (text: string): string[] => {
		const folded = foldText(text, 'accents');
		const out: string[] = [];
		const n = forEachEmbedderWord(folded, (start, end) => out.push(folded.slice(start, end)));
		expect(n).toBe(out.length);
		return out;
	};

	it('scans the word runs the local embedder hashes (its own fixed character classes)', () => {
		expect(words('Café naïve—résumé, x² 😀emoji 東京。大阪')).toEqual(['cafe', 'naive', 'resume', 'x2', 'emoji', '東京', '大阪']);
		// Unlike tokenize(), the embedder keeps combining marks of other scripts inside a word.
		expect(words('हिन्दी भाषा')).toEqual(['हिन्दी', 'भाषा']);
		expect(words(' .,; ')).toEqual([]);
	});
});

describe('stop words', () => {
	it('the local embedder down-weights a fixed subset of the stop words', () => {
		expect(LOCAL_EMBEDDER_STOP_WORDS).toHaveLength(40);
		for (const word of LOCAL_EMBEDDER_STOP_WORDS) expect(ENGLISH_STOP_WORDS.has(word), word).toBe(true);
	});
});
