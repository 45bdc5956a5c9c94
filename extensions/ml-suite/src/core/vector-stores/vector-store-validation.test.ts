import { describe, expect, it } from 'vitest';
import { InvalidPayloadError } from '../errors.js';
import { assertRecords, assertVector } from './vector-store-validation.js';

describe('assertVector', () => {
	it('accepts a finite vector of the right length with a direction', () => {
		expect(() => assertVector([0, -0.5, 3e-40, 1], 4, 'v')).not.toThrow();
	});

	it('rejects a wrong length, a non-finite value, a hole and a zero vector, naming the vector', () => {
		expect(() => assertVector([1, 2, 3], 4, 'Query vector')).toThrow('Query vector has 3 dimensions; the namespace expects 4.');
		for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
			expect(() => assertVector([1, bad, 0, 0], 4, 'v')).toThrow('v contains a non-finite value.');
		}
		// eslint-disable-next-line no-sparse-arrays
		expect(() => assertVector([1, , 0, 0] as number[], 4, 'v')).toThrow('v contains a non-finite value.');
		expect(() => assertVector([0, 0, -0, 0], 4, 'v')).toThrow(InvalidPayloadError);
		expect(() => assertVector([0, 0, -0, 0], 4, 'v')).toThrow('v is a zero vector');
	});

	it('names the record whose vector is invalid', () => {
		const record = { id: 'a:0', itemKey: 'a', chunkIndex: 0, content: 'x', metadata: {} };
		expect(() => assertRecords([{ ...record, vector: [1, 0] }, { ...record, id: 'b:1', vector: [Number.NaN, 1] }], 2)).toThrow('Vector of record "b:1" contains a non-finite value.');
	});
});
