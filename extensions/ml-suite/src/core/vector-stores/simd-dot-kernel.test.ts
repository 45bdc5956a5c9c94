import { describe, expect, it } from 'vitest';
import { seededRandom } from '../seeded-random.js';
import { createDotKernel, scalarDots } from './simd-dot-kernel.js';

/** Deterministic numbers in [-1, 1) (the suite's seeded PRNG), so a failure can be replayed. */
function random(seed: number): () => number {
	const next = seededRandom(seed);
	return () => next() * 2 - 1;
}

function randomVectors(next: () => number, count: number): Float32Array {
	return Float32Array.from({ length: count }, next);
}

describe('createDotKernel', () => {
	it('computes the dot product of a query with every row', () => {
		const dims = 12;
		const rows = 37;
		const kernel = createDotKernel(4096 + rows * dims * 4 + rows * 4);
		expect(kernel).not.toBeNull();
		const k = kernel!;
		const f32 = new Float32Array(k.memory.buffer);
		const query = Array.from({ length: dims }, (_, i) => Math.sin(i + 1));
		f32.set(query, 0);
		const matrixPtr = 64;
		const expected: number[] = [];
		for (let r = 0; r < rows; r++) {
			const row = Array.from({ length: dims }, (_, i) => Math.cos(r * 7 + i));
			f32.set(row, matrixPtr / 4 + r * dims);
			expected.push(row.reduce((sum, v, i) => sum + Math.fround(v) * Math.fround(query[i]!), 0));
		}
		const outPtr = matrixPtr + rows * dims * 4;
		k.dots(0, matrixPtr, rows, dims * 4, outPtr);
		const scores = new Float32Array(k.memory.buffer, outPtr, rows);
		scores.forEach((score, r) => expect(score).toBeCloseTo(expected[r]!, 4));
	});

	it('writes nothing for zero rows', () => {
		const k = createDotKernel(1024)!;
		const f32 = new Float32Array(k.memory.buffer);
		f32[100] = 42;
		k.dots(0, 16, 0, 16, 400);
		expect(f32[100]).toBe(42);
	});

	it('agrees with the JavaScript fallback on random vectors, for odd row counts and dimensions that are odd multiples of the 4 lanes', () => {
		const next = random(20261201);
		for (const dims of [4, 12, 20, 36, 100, 196, 388]) {
			for (const rows of [1, 3, 17, 101]) {
				const query = randomVectors(next, dims);
				const matrix = randomVectors(next, rows * dims);
				const matrixPtr = 16 * Math.ceil((dims * 4) / 16);
				const outPtr = matrixPtr + rows * dims * 4;
				const k = createDotKernel(outPtr + rows * 4)!;
				new Float32Array(k.memory.buffer, 0, dims).set(query);
				new Float32Array(k.memory.buffer, matrixPtr, rows * dims).set(matrix);
				k.dots(0, matrixPtr, rows, dims * 4, outPtr);
				const simd = new Float32Array(k.memory.buffer, outPtr, rows);
				const scalar = scalarDots(matrix, rows, dims, query);
				for (let r = 0; r < rows; r++) expect(simd[r], `dims ${dims}, row ${r} of ${rows}`).toBeCloseTo(scalar[r]!, 4);
			}
		}
	});
});

describe('scalarDots (the JavaScript fallback)', () => {
	it('matches a double-precision reference for any dimension count, odd ones included', () => {
		const next = random(7);
		for (const dims of [1, 3, 5, 7, 33, 385]) {
			const rows = 9;
			const query = randomVectors(next, dims);
			const matrix = randomVectors(next, rows * dims);
			const scores = scalarDots(matrix, rows, dims, query);
			expect(scores).toHaveLength(rows);
			for (let r = 0; r < rows; r++) {
				let reference = 0;
				for (let i = 0; i < dims; i++) reference += matrix[r * dims + i]! * query[i]!;
				expect(scores[r], `dims ${dims}, row ${r}`).toBeCloseTo(reference, 4);
			}
		}
	});

	it('reads only the first `rows` rows', () => {
		expect(scalarDots(Float32Array.from([1, 2, 3, 4]), 1, 2, Float32Array.from([1, 1]))).toEqual(Float32Array.from([3]));
	});
});
