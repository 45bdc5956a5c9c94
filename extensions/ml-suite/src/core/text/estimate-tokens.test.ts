import { describe, expect, it } from 'vitest';
import { contentHash } from './content-hash.js';
import { estimateTokens } from './estimate-tokens.js';

describe('estimateTokens', () => {
	it('is zero for empty text and counts common words as one token each', () => {
		expect(estimateTokens('')).toBe(0);
		expect(estimateTokens('the cat sat on the mat')).toBe(6);
		expect(estimateTokens('Hello, world!')).toBe(4);
	});

	it('agrees with the "about 4 characters per token" rule of thumb on English prose', () => {
		const text =
			'Directus is an open-source data platform that wraps any SQL database with a real-time API and an intuitive app. ' +
			'Extensions let developers add endpoints, hooks and modules.';
		const estimate = estimateTokens(text);
		expect(estimate).toBeGreaterThanOrEqual(Math.floor((text.length / 4) * 0.75));
		expect(estimate).toBeLessThanOrEqual(Math.ceil((text.length / 4) * 1.25));
	});

	it('counts long words, numbers, CJK and emoji as several tokens', () => {
		expect(estimateTokens('internationalization')).toBe(4);
		expect(estimateTokens('1234567')).toBe(3);
		expect(estimateTokens('日本語')).toBe(3);
		expect(estimateTokens('😀😀')).toBe(4);
		expect(estimateTokens('Größe')).toBeGreaterThanOrEqual(2);
	});

	it('is linear on 1 MB without spaces', () => {
		expect(estimateTokens('a'.repeat(1_000_000))).toBe(200_000);
	});
});

describe('contentHash', () => {
	it('is the SHA-256 hex of the UTF-8 bytes', () => {
		expect(contentHash('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
		expect(contentHash('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
		expect(contentHash('é')).not.toBe(contentHash('e\u0301'));
	});
});
