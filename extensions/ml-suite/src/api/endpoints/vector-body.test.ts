import { describe, expect, it } from 'vitest';
import { encodeBase64Vector } from '../../core/embeddings/encode-base64-vector.js';
import { vectorJson } from '../../core/embeddings/vector-json.js';
import { BodyBuffers } from '../http.js';
import { vectorBody } from './embeddings-routes.js';

const unit = (seed: number, dims: number): number[] => Array.from({ length: dims }, (_, i) => Math.fround(Math.sin(seed * 31 + i) / 40));

describe('vectorBody', () => {
	const rest = { model: 'bench-émbed', dimensions: 1536, tokensUsed: 3 };
	const tail = JSON.stringify(rest).slice(1);

	it('writes the same bytes as before: the vector text of writeVectorJson, or base64 strings, then the other fields', () => {
		const one = unit(1, 1536);
		const many = [unit(2, 1536), unit(3, 1536), [0, -0.5, 1e-9, 3e38]];
		expect(vectorBody('embedding', [one], false, 'float', rest).bytes.toString()).toBe(`{"embedding":${vectorJson(one)},${tail}`);
		expect(vectorBody('embeddings', many, true, 'float', rest).bytes.toString()).toBe(`{"embeddings":[${many.map(vectorJson).join(',')}],${tail}`);
		const base64 = vectorBody('embeddings', many, true, 'base64', rest).bytes.toString();
		expect(base64).toBe(JSON.stringify({ embeddings: many.map(encodeBase64Vector), ...rest }));
		expect(vectorBody('embedding', [one], false, 'float', {}).bytes.toString()).toBe(`{"embedding":${vectorJson(one)}}`);
	});

	it('writes into a pooled buffer that is reused once released', () => {
		const buffers = new BodyBuffers();
		const first = vectorBody('embedding', [unit(4, 8)], false, 'float', rest, buffers);
		const text = first.bytes.toString();
		first.release!();
		const second = vectorBody('embedding', [unit(4, 8)], false, 'base64', rest, buffers);
		expect(second.bytes.buffer).toBe(first.bytes.buffer);
		expect(second.bytes.toString()).toBe(JSON.stringify({ embedding: encodeBase64Vector(unit(4, 8)), ...rest }));
		expect(text).toBe(`{"embedding":${vectorJson(unit(4, 8))},${tail}`);
	});
});
