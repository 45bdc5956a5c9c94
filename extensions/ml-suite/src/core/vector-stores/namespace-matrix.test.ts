import { setImmediate as nextTick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../seeded-random.js';
import { NamespaceMatrix } from './namespace-matrix.js';
import { scalarDots } from './simd-dot-kernel.js';

const DIMS = 384;
/** More rows than one slice of the search holds at 384 dimensions (it yields between slices). */
const ROWS = 12_000;

function unit(vector: number[]): Float32Array {
	const norm = Math.hypot(...vector);
	return Float32Array.from(vector, (v) => v / norm);
}

function build(seed: number): { matrix: NamespaceMatrix; vectors: number[][] } {
	const next = seededRandom(seed);
	const matrix = new NamespaceMatrix(DIMS, 1);
	const vectors: number[][] = [];
	for (let r = 0; r < ROWS; r++) {
		const vector = Array.from({ length: DIMS }, () => next() * 2 - 1);
		vectors.push(vector);
		matrix.setFromVector(`r${r}`, `item${Math.floor(r / 3)}`, r % 3, {}, vector);
	}
	return { matrix, vectors };
}

/** The best `limit` ids by cosine similarity, computed independently of the matrix. */
function expected(vectors: readonly (number[] | null)[], query: Float32Array, limit: number): { id: string; score: number }[] {
	const live = vectors.flatMap((v, r) => (v ? [{ id: `r${r}`, v: unit(v) }] : []));
	const flat = new Float32Array(live.length * DIMS);
	live.forEach((x, i) => flat.set(x.v, i * DIMS));
	const scores = scalarDots(flat, live.length, DIMS, query);
	return live
		.map((x, i) => ({ id: x.id, score: scores[i]! }))
		.sort((a, b) => b.score - a.score)
		.slice(0, limit);
}

async function ids(matrix: NamespaceMatrix, query: Float32Array, limit: number): Promise<{ id: string; score: number }[]> {
	return (await matrix.search(query, limit)).map((hit) => ({ id: matrix.id(hit.row), score: hit.score }));
}

function expectSame(actual: { id: string; score: number }[], wanted: { id: string; score: number }[]): void {
	expect(actual.map((h) => h.id)).toEqual(wanted.map((h) => h.id));
	actual.forEach((h, i) => expect(h.score).toBeCloseTo(wanted[i]!.score, 5));
}

describe('NamespaceMatrix search', () => {
	const { matrix, vectors } = build(9001);
	const next = seededRandom(77);
	const queries = Array.from({ length: 3 }, () => unit(Array.from({ length: DIMS }, () => next() * 2 - 1)));

	it('finds the exact best rows of a namespace larger than one slice', async () => {
		for (const query of queries) expectSame(await ids(matrix, query, 10), expected(vectors, query, 10));
	});

	it('lets the event loop run while it scores a large namespace', async () => {
		let ran = false;
		const search = matrix.search(queries[0]!, 10);
		setImmediate(() => {
			ran = true;
		});
		let ranBeforeResult = false;
		await search.then(() => {
			ranBeforeResult = ran;
		});
		expect(ranBeforeResult).toBe(true);
	});

	it('gives concurrent searches each their own result', async () => {
		const results = await Promise.all(queries.map((query) => ids(matrix, query, 10)));
		results.forEach((result, i) => expectSame(result, expected(vectors, queries[i]!, 10)));
	});

	it('answers from the state after a write that lands while it yields (rows moved by a removal included)', async () => {
		const { matrix: m, vectors: v } = build(4242);
		const query = queries[1]!;
		const before = expected(v, query, 5);
		const search = ids(m, query, 5);
		await nextTick();
		// Remove the best row (the last row moves into its place) and add one equal to the query.
		const removed = Number(before[0]!.id.slice(1));
		m.removeWhere((row) => m.id(row) === `r${removed}`);
		const added = Array.from(query);
		m.setFromVector(`r${ROWS}`, 'added', 0, {}, added);
		const after: (number[] | null)[] = [...v, added];
		after[removed] = null;
		const result = await search;
		expect(result[0]!.id).toBe(`r${ROWS}`);
		expect(result.map((h) => h.id)).not.toContain(`r${removed}`);
		expectSame(result, expected(after, query, 5));
	});
});
