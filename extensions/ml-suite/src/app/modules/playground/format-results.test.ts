import { describe, expect, it } from 'vitest';
import { formatMs, relevanceOf } from './format-results.js';

describe('formatMs', () => {
	it('rounds to what a person reads', () => {
		expect(formatMs(5433.275375999976)).toBe('5.4 s');
		expect(formatMs(12.7)).toBe('13 ms');
		expect(formatMs(999.4)).toBe('999 ms');
		expect(formatMs(12_345)).toBe('12 s');
		expect(formatMs(125_000)).toBe('2 min 5 s');
		expect(formatMs(Number.NaN)).toBe('—');
	});
});

describe('relevanceOf', () => {
	it('shows cosine similarity as a percentage', () => {
		expect(relevanceOf(0.8123, 'semantic', 0.9)).toBe(81);
	});
	it('scales fused hybrid scores against the best hit of the same search', () => {
		expect(relevanceOf(0.0328, 'hybrid', 0.0328)).toBe(100);
		expect(relevanceOf(0.0164, 'hybrid', 0.0328)).toBe(50);
		expect(relevanceOf(0, 'hybrid', 0.0328)).toBe(0);
	});
});
