import { describe, expect, it } from 'vitest';
import { DirectusFilter, filterShapeProblem } from './directus-filter.js';

function nested(depth: number): Record<string, unknown> {
	let filter: Record<string, unknown> = { title: { _eq: 'x' } };
	for (let i = 0; i < depth; i++) filter = { _and: [filter] };
	return filter;
}

describe('Directus filter shape', () => {
	it('accepts the filters people write', () => {
		for (const filter of [
			{ status: { _eq: 'published' } },
			{ _and: [{ year: { _gte: 2020 } }, { _or: [{ tags: { _in: ['a', 'b'] } }, { author: { name: { _icontains: 'ann' } } }] }] },
			{ comments: { _some: { approved: { _eq: true } } } },
			{ date: { _between: ['2020-01-01', '2021-01-01'] }, deleted: { _null: true } },
		]) {
			expect(filterShapeProblem(filter), JSON.stringify(filter)).toBeNull();
		}
	});

	it('refuses filters nested thousands deep without overflowing the stack', () => {
		expect(filterShapeProblem(nested(3000))).toMatch(/nested more than 16 levels/);
		expect(DirectusFilter.safeParse(nested(3000)).success).toBe(false);
	});

	it('refuses nested arrays, arrays where objects belong and objects where values belong', () => {
		expect(filterShapeProblem({ _and: [[{ a: { _eq: 1 } }]] })).toMatch(/must be an object/);
		expect(filterShapeProblem({ title: [1, 2] })).toMatch(/must be an object/);
		expect(filterShapeProblem({ title: { _in: [[1], [2]] } })).toMatch(/flat list/);
		expect(filterShapeProblem({ title: { _eq: [1] } })).toMatch(/does not take a list/);
		expect(filterShapeProblem({ _or: { a: 1 } })).toMatch(/array of filter objects/);
		expect(filterShapeProblem({ title: { _eq: { _eq: 1 } } })).toMatch(/must be a value/);
	});

	it('refuses huge filters', () => {
		const wide = Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`f${i}`, { _eq: i }]));
		expect(filterShapeProblem(wide)).toMatch(/more than 2000/);
	});
});
