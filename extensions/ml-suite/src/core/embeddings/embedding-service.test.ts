import { describe, expect, it } from 'vitest';
import { InvalidPayloadError, PayloadTooLargeError, ProviderError } from '../errors.js';
import { LocalEmbeddingModel } from '../providers/local-embedding-model.js';
import type { EmbeddingModel, EmbeddingResult } from '../providers/types.js';
import type { CallOrigin, UsageEvent, UsageRecorder } from '../usage/types.js';
import { MemoryEmbeddingCache } from './embedding-cache.js';
import { EmbeddingService, type ResolvedEmbeddingModel } from './embedding-service.js';

/** Wraps the real local model, counting what reaches the "provider" and optionally failing a call. */
class CountingModel implements EmbeddingModel {
	readonly provider = 'local';
	readonly modelId = 'counting';
	readonly dimensions = 32;
	readonly maxInputTokens = 50;
	calls: string[][] = [];
	inFlight = 0;
	maxInFlight = 0;
	failOnCall: number | null = null;
	private readonly inner = new LocalEmbeddingModel({ dimensions: 32 });

	constructor(readonly maxBatchSize: number) {}

	async embed(texts: readonly string[], options: { signal?: AbortSignal } = {}): Promise<EmbeddingResult> {
		const call = this.calls.push([...texts]);
		this.inFlight++;
		this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
		try {
			// Yield so concurrent batches overlap.
			await new Promise((resolve) => setImmediate(resolve));
			options.signal?.throwIfAborted();
			if (call === this.failOnCall) throw new ProviderError('scripted failure', { provider: 'local', statusCode: 503, retryable: true });
			const result = await this.inner.embed(texts);
			return { embeddings: result.embeddings, usage: { inputTokens: texts.length * 10, outputTokens: 0, latencyMs: 5 } };
		} finally {
			this.inFlight--;
		}
	}
}

class ListRecorder implements UsageRecorder {
	events: UsageEvent[] = [];
	record(event: UsageEvent): void {
		this.events.push(event);
	}
	async flush(): Promise<void> {}
	async close(): Promise<void> {}
}

const origin: CallOrigin = { user: 'u1', sourceType: 'route', source: 'route:POST /ml/embeddings/batch', collection: 'articles', item: '7' };
const reference = new LocalEmbeddingModel({ dimensions: 32 });

function resolved(model: EmbeddingModel): ResolvedEmbeddingModel {
	return { model, definition: { inputPricePerMillion: 2, outputPricePerMillion: 0 } };
}

describe('EmbeddingService', () => {
	it('batches by maxBatchSize, runs batches concurrently and restores input order', async () => {
		const model = new CountingModel(3);
		const usage = new ListRecorder();
		const service = new EmbeddingService({ usage, concurrency: 2 });
		const texts = Array.from({ length: 10 }, (_, i) => `text number ${i}`);
		const result = await service.embed(texts, { model: resolved(model), origin });
		expect(result.embeddings).toEqual(texts.map((t) => reference.embedOne(t).map(Math.fround)));
		expect(model.calls.map((c) => c.length)).toEqual([3, 3, 3, 1]);
		expect(model.maxInFlight).toBe(2);
		expect(result.usage).toMatchObject({ inputTokens: 100, providerCalls: 4, cost: 0.0002 });
		expect(result.cacheHits).toBe(0);
		expect(usage.events).toHaveLength(4);
		expect(usage.events[0]).toMatchObject({ user: 'u1', sourceType: 'route', source: 'route:POST /ml/embeddings/batch', capability: 'embedding', provider: 'local', model: 'counting', collection: 'articles', item: '7', status: 'success', errorCode: null, cacheHit: false });
		expect(usage.events.reduce((sum, e) => sum + e.cost, 0)).toBeCloseTo(0.0002, 12);
	});

	it('sends each distinct text once and never embeds cached text again', async () => {
		const model = new CountingModel(10);
		const cache = new MemoryEmbeddingCache();
		const usage = new ListRecorder();
		const service = new EmbeddingService({ cache, usage });
		const first = await service.embed(['a', 'b', 'a'], { model: resolved(model), origin });
		expect(model.calls).toEqual([['a', 'b']]);
		expect(first.embeddings[0]).toEqual(first.embeddings[2]);

		const second = await service.embed(['b', 'c', 'a'], { model: resolved(model), origin });
		expect(model.calls).toEqual([['a', 'b'], ['c']]);
		expect(second.cacheHits).toBe(2);
		// Cached vectors are Float32; they match the fresh ones to float precision.
		second.embeddings.forEach((v, i) => {
			const expected = reference.embedOne(['b', 'c', 'a'][i]!);
			v.forEach((x, d) => expect(x).toBeCloseTo(expected[d]!, 6));
		});
		expect(usage.events.map((e) => e.cacheHit)).toEqual([false, false, true]);

		const third = await service.embed(['a'], { model: resolved(model), origin });
		expect(model.calls).toHaveLength(2);
		expect(third.usage.providerCalls).toBe(0);
		expect(third.cacheHits).toBe(1);
	});

	it('without a cache, still sends each distinct text once and answers every input in order', async () => {
		const model = new CountingModel(10);
		const service = new EmbeddingService({ cache: null });
		const texts = ['a', 'b', 'a', 'c', 'b'];
		const result = await service.embed(texts, { model: resolved(model), origin });
		expect(model.calls).toEqual([['a', 'b', 'c']]);
		expect(result.embeddings).toEqual(texts.map((t) => reference.embedOne(t).map(Math.fround)));
		expect(result.cacheHits).toBe(0);
	});

	it('rejects empty and non-string inputs by index instead of dropping them', async () => {
		const model = new CountingModel(10);
		const service = new EmbeddingService();
		await expect(service.embed(['ok', '  ', 'x'], { model: resolved(model), origin })).rejects.toMatchObject({
			constructor: InvalidPayloadError,
			details: { index: 1 },
		});
		await expect(service.embed(['ok', 5 as unknown as string], { model: resolved(model), origin })).rejects.toThrow(/Input 1 is not a string/);
		expect(model.calls).toHaveLength(0);
	});

	it('rejects an input over the model token limit, naming its index and the limit', async () => {
		const model = new CountingModel(10);
		const error = await new EmbeddingService().embed(['short', 'word '.repeat(80)], { model: resolved(model), origin }).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(PayloadTooLargeError);
		expect(error).toMatchObject({ status: 413, details: { index: 1, limit: 50 } });
		expect((error as Error).message).toMatch(/Input 1 .* at most 50/);
		expect(model.calls).toHaveLength(0);
	});

	it('records a failed call with its error code, rethrows it and stops the other batches', async () => {
		const model = new CountingModel(1);
		model.failOnCall = 2;
		const usage = new ListRecorder();
		const cache = new MemoryEmbeddingCache();
		const service = new EmbeddingService({ usage, cache, concurrency: 2 });
		const texts = Array.from({ length: 8 }, (_, i) => `t${i}`);
		const error = await service.embed(texts, { model: resolved(model), origin }).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(ProviderError);
		expect(usage.events.filter((e) => e.status === 'error')).toEqual([expect.objectContaining({ errorCode: 'PROVIDER_ERROR', cost: 0 })]);
		expect(model.calls.length).toBeLessThan(8);
		// Batches that did succeed are cached, so a retry pays only for the rest.
		const callsBefore = model.calls.length;
		model.failOnCall = null;
		const retry = await service.embed(texts, { model: resolved(model), origin });
		expect(retry.cacheHits).toBeGreaterThan(0);
		expect(model.calls.length - callsBefore).toBe(8 - retry.cacheHits);
	});

	it('stops when the caller aborts', async () => {
		const model = new CountingModel(1);
		const controller = new AbortController();
		controller.abort();
		await expect(new EmbeddingService().embed(['a', 'b'], { model: resolved(model), origin, signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
		expect(model.calls).toHaveLength(0);
	});

	it('keeps working when the cache fails', async () => {
		const model = new CountingModel(10);
		const warnings: string[] = [];
		const broken = { getMany: () => Promise.reject(new Error('db down')), setMany: () => Promise.reject(new Error('db down')) };
		const service = new EmbeddingService({ cache: broken, logger: { warn: (m) => warnings.push(m), error: () => undefined } });
		const result = await service.embed(['a'], { model: resolved(model), origin });
		expect(result.embeddings).toEqual([reference.embedOne('a').map(Math.fround)]);
		expect(warnings).toHaveLength(2);
	});
});
