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
