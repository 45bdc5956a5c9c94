import { describe, expect, it } from 'vitest';
import { splitSentences } from './sentences.js';

describe('splitSentences', () => {
	it('splits at sentence ends and keeps closing quotes with their sentence', () => {
		expect(splitSentences('It works. Does it? Yes! "Quoted." Next one')).toEqual(['It works.', 'Does it?', 'Yes!', '"Quoted."', 'Next one']);
	});

	it('does not split after abbreviations, initials or inside decimals', () => {
		expect(splitSentences('Dr. Smith paid $3.14 for it, e.g. at Mr. Jones’ shop. J. R. R. Tolkien wrote it, i.e. Tolkien. Prices rose 2.5 percent.')).toEqual([
			'Dr. Smith paid $3.14 for it, e.g. at Mr. Jones’ shop.',
			'J. R. R. Tolkien wrote it, i.e. Tolkien.',
			'Prices rose 2.5 percent.',
		]);
	});

	it('still ends a sentence at words that only look like abbreviations at the end', () => {
		expect(splitSentences('Bring pens, paper, etc. Then start. Is it done? No. Not yet.')).toEqual(['Bring pens, paper, etc.', 'Then start.', 'Is it done?', 'No.', 'Not yet.']);
	});

	it('ends a sentence at every line break and drops empty lines', () => {
		expect(splitSentences('Heading\n\n- first item\r\n- second item. With more\n  ')).toEqual(['Heading', '- first item', '- second item.', 'With more']);
	});

	it('splits CJK text at full-width sentence ends', () => {
		expect(splitSentences('東京は大きい。大阪も大きい！本当ですか？はい')).toEqual(['東京は大きい。', '大阪も大きい！', '本当ですか？', 'はい']);
	});

	it('handles text with no sentence end, and empty text', () => {
		expect(splitSentences('no end here')).toEqual(['no end here']);
		expect(splitSentences('')).toEqual([]);
		expect(splitSentences(' \n ')).toEqual([]);
	});
});
