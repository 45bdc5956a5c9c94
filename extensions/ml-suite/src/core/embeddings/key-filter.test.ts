import { describe, expect, it } from 'vitest';
import { contentHash } from '../text/content-hash.js';
import { KeyFilter } from './key-filter.js';

describe('KeyFilter', () => {
	it('never answers "absent" for a key it was given, per model', () => {
		const filter = new KeyFilter(20_000);
		const hashes = Array.from({ length: 20_000 }, (_, i) => contentHash(`text ${i}`));
		for (const h of hashes) filter.add('m1', h);
		expect(hashes.every((h) => filter.mayContain('m1', h))).toBe(true);
		expect(filter.count).toBe(20_000);
		expect(filter.full).toBe(false);
		filter.add('m1', 'one more');
		expect(filter.full).toBe(true);
	});

	it('answers "absent" for almost every key it was not given (other texts, other models)', () => {
		const filter = new KeyFilter(20_000);
		for (let i = 0; i < 20_000; i++) filter.add('m1', contentHash(`text ${i}`));
		let wrong = 0;
		for (let i = 0; i < 20_000; i++) {
			if (filter.mayContain('m1', contentHash(`other ${i}`))) wrong++;
			if (filter.mayContain('m2', contentHash(`text ${i}`))) wrong++;
		}
		// ≈ 0.05% expected at capacity; the bound leaves room for chance.
		expect(wrong / 40_000).toBeLessThan(0.005);
	});
});
