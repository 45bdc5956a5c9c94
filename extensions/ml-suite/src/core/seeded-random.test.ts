import { describe, expect, it } from 'vitest';
import { seededRandom } from './seeded-random.js';

describe('seededRandom', () => {
	it('replays the same sequence for a seed and a different one for another seed', () => {
		const take = (seed: number) => {
			const next = seededRandom(seed);
			return Array.from({ length: 5 }, () => next());
		};
		expect(take(42)).toEqual(take(42));
		expect(take(42)).not.toEqual(take(43));
	});

	it('stays in [0, 1) and spreads evenly', () => {
		const next = seededRandom(7);
		const bins = new Array<number>(10).fill(0);
		for (let i = 0; i < 10_000; i++) {
			const value = next();
			expect(value).toBeGreaterThanOrEqual(0);
			expect(value).toBeLessThan(1);
			bins[Math.floor(value * 10)]!++;
		}
		for (const count of bins) expect(count).toBeGreaterThan(900);
	});
});
