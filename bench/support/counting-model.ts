import type { EmbeddingModel, EmbeddingResult } from '../../extensions/ml-suite/src/core/providers/types.js';

/** Wraps an embedding model to count provider calls, inputs and tokens (and optionally keep the texts). */
export class CountingModel implements EmbeddingModel {
	calls = 0;
	inputs = 0;
	tokens = 0;
	/** Milliseconds spent inside the wrapped model's `embed`. */
	embedMs = 0;
	readonly texts: string[] = [];
	keepTexts = false;

	constructor(private readonly inner: EmbeddingModel) {}

	get provider(): string {
		return this.inner.provider;
	}
	get modelId(): string {
		return this.inner.modelId;
	}
	get dimensions(): number {
		return this.inner.dimensions;
	}
	get maxBatchSize(): number {
		return this.inner.maxBatchSize;
	}
	get maxInputTokens(): number {
		return this.inner.maxInputTokens;
	}

	async embed(texts: readonly string[], options?: { signal?: AbortSignal }): Promise<EmbeddingResult> {
		const started = performance.now();
		const result = await this.inner.embed(texts, options);
		this.embedMs += performance.now() - started;
		this.calls++;
		this.inputs += texts.length;
		this.tokens += result.usage.inputTokens;
		if (this.keepTexts) this.texts.push(...texts);
		return result;
	}

	reset(): void {
		this.calls = 0;
		this.inputs = 0;
		this.tokens = 0;
		this.embedMs = 0;
		this.texts.length = 0;
	}
}

/**
 * Milliseconds the bare model takes to embed `texts` in batches of its own size: the best of
 * `passes` passes (the figure a pipeline is compared with, on the very texts it sent).
 */
export async function rawEmbeddingMs(model: EmbeddingModel, texts: readonly string[], passes = 2): Promise<number> {
	let best = Number.POSITIVE_INFINITY;
	for (let pass = 0; pass < passes; pass++) {
		const t0 = performance.now();
		for (let i = 0; i < texts.length; i += model.maxBatchSize) await model.embed(texts.slice(i, i + model.maxBatchSize));
		best = Math.min(best, performance.now() - t0);
	}
	return best;
}
