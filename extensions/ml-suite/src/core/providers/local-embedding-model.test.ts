import { describe, expect, it, vi } from 'vitest';
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

	it('yields to the event loop while a large batch embeds, so timers and I/O keep running', async () => {
		// About 1,000 texts of 2,000 characters: several hundred milliseconds of embedding here.
		const words = 'directus collection index vector search chunk item field schema embedding'.split(' ');
		const texts = Array.from({ length: 1000 }, (_, i) => Array.from({ length: 300 }, (_, w) => words[(i * 7 + w * 3) % words.length]).join(' ') + ` item${i}`);
		const gaps: number[] = [];
		let last = performance.now();
		const timer = setInterval(() => {
			const now = performance.now();
			gaps.push(now - last);
			last = now;
		}, 2);
		const started = performance.now();
		const { embeddings } = await model.embed(texts);
		const elapsed = performance.now() - started;
		clearInterval(timer);
		gaps.push(performance.now() - last);
		expect(embeddings).toHaveLength(texts.length);
		// The batch took long enough that one synchronous pass would have starved the timer.
		expect(elapsed).toBeGreaterThan(100);
		// The timer ran all along: at least once per 50 ms, and 95% of its gaps under 50 ms. The
		// longest gap gets slack, because on a loaded machine the OS may hold the thread itself.
		expect(gaps.length).toBeGreaterThan(elapsed / 50);
		gaps.sort((a, b) => a - b);
		expect(gaps[Math.floor(gaps.length * 0.95)]!).toBeLessThan(50);
		expect(gaps[gaps.length - 1]!).toBeLessThan(200);
		// Yielding changes nothing in the vectors.
		expect(embeddings[3]).toEqual(new LocalEmbeddingModel().embedOne(texts[3]!));
	});

	it('runs calls made side by side one after another, so a slice is all the event loop waits for', async () => {
		// The embedding layer sends batches with bounded concurrency: were their slices interleaved,
		// every turn of the event loop would wait for one slice per batch in flight.
		const order: string[] = [];
		const original = model.embedOne.bind(model);
		const spy = vi.spyOn(model, 'embedOne').mockImplementation((text: string) => {
			order.push(text.slice(0, 1));
			return original(text);
		});
		try {
			const batch = (tag: string) => Array.from({ length: 300 }, (_, i) => `${tag} ${'lorem ipsum dolor sit amet '.repeat(40)} ${i}`);
			const results = await Promise.all(['a', 'b', 'c'].map((tag) => model.embed(batch(tag))));
			expect(results.map((r) => r.embeddings.length)).toEqual([300, 300, 300]);
			// Each call's texts in one run, calls in the order they were made.
			expect(order.join('')).toBe('a'.repeat(300) + 'b'.repeat(300) + 'c'.repeat(300));
		} finally {
			spy.mockRestore();
		}
	});

	it('answers a call of a few texts (a search query) at once, not after the batches in flight', async () => {
		const done: string[] = [];
		const batch = Array.from({ length: 2000 }, (_, i) => `${'lorem ipsum dolor sit amet '.repeat(40)} ${i}`);
		const large = model.embed(batch).then(() => done.push('batch'));
		const query = model.embed(['a search query']).then(() => done.push('query'));
		await Promise.all([large, query]);
		expect(done).toEqual(['query', 'batch']);
	});

	it('embeds a batch in one synchronous pass when slices are unbounded', async () => {
		const unsliced = new LocalEmbeddingModel({ sliceMs: Number.POSITIVE_INFINITY });
		let ticked = false;
		const timer = setTimeout(() => (ticked = true), 0);
		await unsliced.embed(Array.from({ length: 50 }, (_, i) => `text number ${i}`));
		clearTimeout(timer);
		expect(ticked).toBe(false);
	});
});
