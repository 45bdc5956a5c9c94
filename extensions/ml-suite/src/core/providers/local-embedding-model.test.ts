import { describe, expect, it } from 'vitest';
import { InvalidPayloadError } from '../errors.js';
import { LocalEmbeddingModel } from './local-embedding-model.js';

function cosine(a: number[], b: number[]): number {
	let dot = 0;
	for (let i = 0; i < a.length; i++) dot += a[i]! * b[i]!;
	return dot;
}

function norm(a: number[]): number {
	return Math.sqrt(cosine(a, a));
}

describe('LocalEmbeddingModel', () => {
	const model = new LocalEmbeddingModel();

	it('produces unit vectors of the configured dimensions, one per input, in order', async () => {
		const texts = ['alpha beta', 'gamma', 'alpha beta'];
		const { embeddings, usage } = await model.embed(texts);
		expect(embeddings).toHaveLength(3);
		for (const v of embeddings) {
			expect(v).toHaveLength(384);
			expect(norm(v)).toBeCloseTo(1, 10);
		}
		expect(embeddings[0]).toEqual(embeddings[2]);
		expect(embeddings[0]).not.toEqual(embeddings[1]);
		expect(usage.inputTokens).toBeGreaterThan(0);
		expect(usage.outputTokens).toBe(0);
		expect(new LocalEmbeddingModel({ dimensions: 64 }).embedOne('x')).toHaveLength(64);
	});

	it('is deterministic across instances', () => {
		const other = new LocalEmbeddingModel();
		expect(other.embedOne('Directus extensions add endpoints')).toEqual(model.embedOne('Directus extensions add endpoints'));
	});

	it('ranks lexically related texts above unrelated ones', () => {
		const query = model.embedOne('how do I index a collection for semantic search');
		const related = model.embedOne('Indexing collections enables semantic searching of items');
		const unrelated = model.embedOne('The recipe needs two eggs, flour and a pinch of salt');
		expect(cosine(query, related)).toBeGreaterThan(cosine(query, unrelated) + 0.1);
	});

	it('ignores case and accents, and tolerates typos through character n-grams', () => {
		expect(cosine(model.embedOne('Café Crème'), model.embedOne('cafe creme'))).toBeCloseTo(1, 10);
		const typo = cosine(model.embedOne('embedding service'), model.embedOne('embeding servise'));
		const different = cosine(model.embedOne('embedding service'), model.embedOne('holiday weather'));
		expect(typo).toBeGreaterThan(different + 0.1);
	});

	it('uses word order through bigrams', () => {
		const a = model.embedOne('dog bites man');
		const b = model.embedOne('man bites dog');
		expect(cosine(a, b)).toBeLessThan(0.999);
		expect(cosine(a, b)).toBeGreaterThan(0.5);
	});

	it('gives punctuation-only and whitespace-only text a finite unit vector', () => {
		for (const text of ['!!!', '   ', '😀']) {
			const v = model.embedOne(text);
			expect(norm(v)).toBeCloseTo(1, 10);
			expect(v.every(Number.isFinite)).toBe(true);
		}
	});

	it('handles a long run without spaces', () => {
		const v = model.embedOne('x'.repeat(100_000));
		expect(norm(v)).toBeCloseTo(1, 10);
	});

	it('stops when the signal is aborted and rejects bad dimensions', async () => {
		const controller = new AbortController();
		controller.abort();
		await expect(model.embed(['a'], { signal: controller.signal })).rejects.toThrow(/abort/i);
		expect(() => new LocalEmbeddingModel({ dimensions: 4 })).toThrow(InvalidPayloadError);
	});
});
