import { describe, expect, it } from 'vitest';
import { InvalidPayloadError } from '../errors.js';
import { chunkText, type TextChunk } from './chunk-text.js';

function expectWellFormed(text: string, chunks: TextChunk[], size: number): void {
	chunks.forEach((chunk, i) => {
		expect(chunk.index).toBe(i);
		expect(chunk.content).toBe(text.slice(chunk.start, chunk.end));
		expect(chunk.content.length).toBeGreaterThan(0);
		expect(chunk.content.length).toBeLessThanOrEqual(size);
		expect(chunk.content).toBe(chunk.content.trim());
		if (i > 0) expect(chunk.start).toBeGreaterThan(chunks[i - 1]!.start);
	});
}

const prose =
	'The quick brown fox jumps over the lazy dog. It was not amused! Why would it be? ' +
	'Foxes rarely ask for permission.\n\nA second paragraph starts here and keeps going for a while, ' +
	'with commas, clauses and no sentence end for quite some time until it finally stops. ' +
	'Then a short one. And another.';

describe('chunkText', () => {
	it('returns one chunk for short text and none for empty or whitespace-only text', () => {
		expect(chunkText('  Hello world.  ', { size: 100 })).toEqual([{ index: 0, content: 'Hello world.', start: 2, end: 14 }]);
		expect(chunkText('', { size: 100 })).toEqual([]);
		expect(chunkText(' \n\n\t  \u00a0 ', { size: 10, overlap: 3 })).toEqual([]);
	});

	it('prefers paragraph and sentence boundaries over word boundaries', () => {
		const chunks = chunkText(prose, { size: 140 });
		expectWellFormed(prose, chunks, 140);
		// The first paragraph is 114 characters and fits: the cut must fall on the paragraph break.
		expect(chunks[0]!.content).toBe(prose.slice(0, prose.indexOf('\n\n')));
		for (const chunk of chunks.slice(0, -1)) {
			const next = prose.charAt(chunk.end);
			expect(next).toMatch(/\s/);
		}
		// Every chunk that could end on a sentence does.
		expect(chunks.filter((c) => /[.!?]$/.test(c.content)).length).toBeGreaterThanOrEqual(chunks.length - 1);
	});

	it('falls back to word boundaries, never splitting words when spaces exist', () => {
		const words = Array.from({ length: 400 }, (_, i) => `word${i}`).join(' ');
		const chunks = chunkText(words, { size: 50, overlap: 10 });
		expectWellFormed(words, chunks, 50);
		for (const chunk of chunks) {
			expect(chunk.content).toMatch(/^word\d+( word\d+)*$/);
		}
		// Coverage: every word appears in some chunk.
		const seen = new Set(chunks.flatMap((c) => c.content.split(' ')));
		expect(seen.size).toBe(400);
	});

	it('overlaps consecutive chunks by roughly the requested amount, starting on a word', () => {
		const words = Array.from({ length: 200 }, (_, i) => `w${i}`).join(' ');
		const chunks = chunkText(words, { size: 60, overlap: 15 });
		for (let i = 1; i < chunks.length; i++) {
			const prev = chunks[i - 1]!;
			const cur = chunks[i]!;
			expect(cur.start).toBeLessThan(prev.end);
			expect(prev.end - cur.start).toBeLessThanOrEqual(15);
			expect(words.charAt(cur.start - 1)).toBe(' ');
		}
	});

	it('terminates on 1 MB without spaces, cutting hard at the size', () => {
		const text = 'x'.repeat(1024 * 1024);
		const chunks = chunkText(text, { size: 1000, overlap: 100 });
		expectWellFormed(text, chunks, 1000);
		expect(chunks[0]!.end).toBe(1000);
		expect(chunks[1]!.start).toBe(900);
		expect(chunks.at(-1)!.end).toBe(text.length);
		expect(chunks.length).toBe(Math.ceil((text.length - 1000) / 900) + 1);
	});

	it('terminates when overlap >= size (overlap is clamped to half the size)', () => {
		const text = 'abc def ghi jkl mno pqr stu vwx yz '.repeat(100);
		for (const overlap of [10, 11, 50, 1_000_000]) {
			const chunks = chunkText(text, { size: 10, overlap });
			expectWellFormed(text, chunks, 10);
			expect(chunks.at(-1)!.end).toBe(text.trimEnd().length);
			expect(chunks.length).toBeLessThan(text.length);
		}
		expect(chunkText('aaaaaaaaaaaaaaaaaaaa', { size: 1, overlap: 5 }).length).toBe(20);
	});

	it('never splits a surrogate pair on a hard cut', () => {
		const text = '😀'.repeat(500);
		const chunks = chunkText(text, { size: 7, overlap: 2 });
		for (const chunk of chunks) {
			expect(chunk.content).toMatch(/^(?:😀)+$/u);
		}
		expect(chunks.at(-1)!.end).toBe(text.length);
	});

	it('rejects a size that is not a positive integer', () => {
		expect(() => chunkText('abc', { size: 0 })).toThrow(InvalidPayloadError);
		expect(() => chunkText('abc', { size: Number.NaN })).toThrow(InvalidPayloadError);
	});
});
