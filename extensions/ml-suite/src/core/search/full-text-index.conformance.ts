import { expect, it } from 'vitest';
import type { FullTextChunk, FullTextIndex } from './full-text-index.js';

const chunk = (item: string, chunk: number, text: string, field = 'body'): FullTextChunk => ({ item, chunk, field, position: chunk, text, content: text });

/** The contract every keyword engine passes. `make` returns a fresh engine over an empty database. */
export function fullTextIndexSuite(make: () => FullTextIndex): void {
	const index = '6f0a3c8e-1b2d-4c5e-8f90-0123456789ab';
	const other = '7f0a3c8e-1b2d-4c5e-8f90-0123456789ab';

	it('finds stemmed terms, ranks better matches first and pages one fixed ranking', async () => {
		const fts = make();
		await fts.replaceItems(index, ['a', 'b', 'c', 'd'], [
			chunk('a', 0, 'Volcanoes erupt lava. The volcano erupted twice, lava everywhere.'),
			chunk('b', 0, 'A quiet lake with ducks.'),
			chunk('b', 1, 'The volcano behind the lake is dormant.'),
			chunk('c', 0, 'Cooking pasta with tomatoes.'),
			chunk('d', 0, 'Erupting geysers and lava fields of Iceland, volcanic lava.'),
		]);
		const hits = await fts.search(index, 'volcano eruptions lava', { limit: 10 });
		expect(hits.map((h) => `${h.item}:${h.chunk}`)).toEqual(expect.arrayContaining(['a:0', 'b:1', 'd:0']));
		expect(hits.some((h) => h.item === 'c')).toBe(false);
		expect(hits[0]!.item).toBe('a');
		for (let i = 1; i < hits.length; i++) expect(hits[i - 1]!.score).toBeGreaterThanOrEqual(hits[i]!.score);
		const paged = [...(await fts.search(index, 'volcano eruptions lava', { limit: 2 })), ...(await fts.search(index, 'volcano eruptions lava', { limit: 2, offset: 2 }))];
		expect(paged.map((h) => `${h.item}:${h.chunk}`)).toEqual(hits.map((h) => `${h.item}:${h.chunk}`));
		// search = the bare ranking + each item's passage.
		expect(await fts.rank(index, 'volcano eruptions lava', { limit: 10 })).toEqual(hits.map((h) => ({ item: h.item, score: h.score })));
		const passages = await fts.passages(index, 'volcano eruptions lava', ['b', 'c', 'zz']);
		expect([...passages.keys()].sort()).toEqual(['b', 'c']);
		expect(passages.get('b')).toMatchObject({ chunk: 1, field: 'body', content: 'The volcano behind the lake is dormant.' });
		expect(await fts.count(index)).toBe(5);
	});

	it('ranks whole items, not their best chunk: one match per item', async () => {
		const fts = make();
		// Every chunk holds one query term and the same number of words; only b holds both terms, in two chunks.
		await fts.replaceItems(index, ['a', 'b', 'c'], [chunk('a', 0, 'alpha harbour'), chunk('b', 0, 'alpha meadow'), chunk('b', 1, 'beta meadow'), chunk('c', 0, 'beta harbour')]);
		const hits = await fts.search(index, 'alpha beta', { limit: 10 });
		expect(hits.map((h) => h.item)).toEqual(['b', 'a', 'c']);
		expect(hits[0]!.score).toBeGreaterThan(hits[1]!.score);
		// The passage of an item is one of its chunks holding a query term.
		expect([0, 1]).toContain(hits[0]!.chunk);
	});

	it('keeps the index exact across updates and deletes, and keeps indexes apart', async () => {
		const fts = make();
		await fts.replaceItems(index, ['a', 'b'], [chunk('a', 0, 'alpha marmalade'), chunk('a', 1, 'second marmalade chunk'), chunk('b', 0, 'beta marmalade')]);
		await fts.replaceItems(other, ['x'], [chunk('x', 0, 'marmalade in another index')]);
		// Update: a shrinks to one chunk with new words.
		await fts.replaceItems(index, ['a'], [chunk('a', 0, 'alpha jam')]);
		expect((await fts.search(index, 'marmalade', { limit: 10 })).map((h) => h.item)).toEqual(['b']);
		expect((await fts.search(index, 'jam', { limit: 10 })).map((h) => `${h.item}:${h.chunk}`)).toEqual(['a:0']);
		await fts.removeItems(index, ['b']);
		expect(await fts.search(index, 'marmalade', { limit: 10 })).toEqual([]);
		expect((await fts.search(other, 'marmalade', { limit: 10 })).map((h) => h.item)).toEqual(['x']);
		// An item replaced with no chunks is gone.
		await fts.replaceItems(index, ['a'], []);
		expect(await fts.count(index)).toBe(0);
		await fts.drop(other);
		expect(await fts.search(other, 'marmalade', { limit: 10 })).toEqual([]);
	});

	it('answers queries with no usable terms, or for unknown indexes, with nothing', async () => {
		const fts = make();
		expect(await fts.search(index, 'the of and', { limit: 10 })).toEqual([]);
		expect(await fts.search(index, '!!! ???', { limit: 10 })).toEqual([]);
		expect(await fts.search('00000000-0000-0000-0000-000000000000', 'anything', { limit: 10 })).toEqual([]);
		await fts.replaceItems(index, ['q'], [chunk('q', 0, 'He said "quoted" OR NOT (x) * AND -y')]);
		expect((await fts.search(index, '"quoted" OR NOT (x)* AND', { limit: 10 })).map((h) => h.item)).toEqual(['q']);
	});

	it('lists every matching chunk with its terms for rescoring', async () => {
		const fts = make();
		await fts.replaceItems(index, ['a', 'b'], [chunk('a', 0, 'running dogs'), chunk('b', 0, 'sleeping cats'), chunk('b', 1, 'dogs run', 'summary')]);
		const { queryTerms, chunks } = await fts.matchAll(index, 'run');
		expect(queryTerms).toEqual(['run']);
		expect(chunks.map((c) => `${c.item}:${c.chunk}:${c.field}`).sort()).toEqual(['a:0:body', 'b:1:summary']);
		expect(chunks.find((c) => c.item === 'a')!.terms).toEqual(['run', 'dog']);
	});
}
