import { describe, expect, it } from 'vitest';
import { createDotKernel } from './simd-dot-kernel.js';

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
});
