import { describe, expect, it } from 'vitest';
import { encodeBase64Vector } from './encode-base64-vector.js';

describe('encodeBase64Vector', () => {
	it('decodes as OpenAI clients decode it (little-endian float32)', () => {
		const vector = [0.5, -1.25, 3.1415927, 0, 1e-7];
		const bytes = Buffer.from(encodeBase64Vector(vector), 'base64');
		expect(bytes.length).toBe(vector.length * 4);
		const decoded = Array.from({ length: vector.length }, (_, i) => bytes.readFloatLE(i * 4));
		expect(decoded).toEqual(vector.map(Math.fround));
	});
});
