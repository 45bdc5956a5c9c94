import { describe, expect, it } from 'vitest';
import type { UsedPassage } from './build-context.js';
import { citationsFor, referencedNumbers } from './citations.js';
import { passage } from './test-passages.js';

describe('referencedNumbers', () => {
	it('reads single, adjacent, listed and ranged markers and ignores other brackets', () => {
		expect([...referencedNumbers('A [1]. B [2][3]. C [4, 6]. D [7-9]. E [note] [x1] [10 - 11]')].sort((a, b) => a - b)).toEqual([
			1, 2, 3, 4, 6, 7, 8, 9, 10, 11,
		]);
	});

	it('does not expand absurd ranges', () => {
		expect(referencedNumbers('[1-100000]').size).toBe(0);
	});
});

describe('citationsFor', () => {
	it('cites only used passages the answer refers to, ignoring invented numbers', () => {
		const used: UsedPassage[] = [1, 2, 3].map((n) => ({ ...passage(String(n), `text ${n}`), n, passage: `text ${n}`, truncated: false }));
		const citations = citationsFor(used, 'Yes [3], and also [1]. See [9].');
		expect(citations.map((c) => [c.n, c.item, c.passage])).toEqual([
			[1, '1', 'text 1'],
			[3, '3', 'text 3'],
		]);
	});
});
