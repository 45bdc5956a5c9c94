import { InvalidPayloadError, ProviderError } from '../errors.js';
import { estimateTokens } from '../text/estimate-tokens.js';
import { abortable, LazyOpenAIClient, toProviderError, type OpenAIConnectionOptions } from './openai-client.js';
import type { EmbeddingModel, EmbeddingResult } from './types.js';

export interface OpenAIEmbeddingModelOptions extends OpenAIConnectionOptions {
	/**
	 * Vector dimensions. For OpenAI `text-embedding-3-*` models a value is sent as the
	 * `dimensions` parameter (shortened embeddings). Default: the model's native size when
	 * known (`text-embedding-3-small` 1536, `-3-large` 3072, `ada-002` 1536), otherwise learnt
	 * from the first response (0 until then).
	 */
	dimensions?: number | null;
	/** Inputs per request. Default: 256 for `openai` (stays under its 300k tokens per request for typical chunks), 64 for `openai-compatible`. */
	maxBatchSize?: number | null;
	/** Tokens per input. Default: 8191 (OpenAI's limit). */
	maxInputTokens?: number | null;
}

const NATIVE_DIMENSIONS: Record<string, number> = {
	'text-embedding-3-small': 1536,
	'text-embedding-3-large': 3072,
	'text-embedding-ada-002': 1536,
};

/** Embeddings from OpenAI or any server speaking its `/v1/embeddings` API (Ollama, vLLM, LM Studio, LocalAI, TEI). */
export class OpenAIEmbeddingModel implements EmbeddingModel {
	readonly provider: 'openai' | 'openai-compatible';
	readonly modelId: string;
	readonly maxBatchSize: number;
	readonly maxInputTokens: number;
	private dims: number;
	private readonly sendDimensions: boolean;
	private readonly client: LazyOpenAIClient;

	constructor(options: OpenAIEmbeddingModelOptions) {
		this.provider = options.provider;
		this.modelId = options.modelId;
		this.maxBatchSize = options.maxBatchSize ?? (options.provider === 'openai' ? 256 : 64);
		this.maxInputTokens = options.maxInputTokens ?? 8191;
		this.dims = options.dimensions ?? NATIVE_DIMENSIONS[options.modelId] ?? 0;
		this.sendDimensions = options.provider === 'openai' && options.dimensions != null && options.modelId.startsWith('text-embedding-3');
		this.client = new LazyOpenAIClient(options);
	}

	get dimensions(): number {
		return this.dims;
	}

	async embed(texts: readonly string[], options: { signal?: AbortSignal } = {}): Promise<EmbeddingResult> {
		const request = this.client.requestOptions(options.signal);
		const { signal } = request;
		if (texts.length === 0) return { embeddings: [], usage: { inputTokens: 0, outputTokens: 0, latencyMs: 0 } };
		if (texts.length > this.maxBatchSize) {
			throw new InvalidPayloadError(`Model "${this.modelId}" accepts at most ${this.maxBatchSize} inputs per call, got ${texts.length}.`);
		}
		const context = { provider: this.provider, modelId: this.modelId, timeoutMs: this.client.timeoutMs, signal };
		const started = performance.now();
		const response = await this.client.guard(async () => {
			try {
				const client = this.client.get();
				return await abortable(
					client.embeddings.create(
						{
							model: this.modelId,
							input: [...texts],
							...(this.sendDimensions ? { dimensions: this.dims } : {}),
							// Many compatible servers only speak floats; OpenAI gets the SDK's compact base64 default.
							...(this.provider === 'openai-compatible' ? { encoding_format: 'float' as const } : {}),
						},
						request,
					),
					signal,
				);
			} catch (error) {
				throw toProviderError(error, context);
			}
		});
		const latencyMs = performance.now() - started;

		const embeddings = new Array<number[] | undefined>(texts.length);
		for (const item of response.data) {
			if (item.index >= 0 && item.index < texts.length) embeddings[item.index] = Array.from(item.embedding);
		}
		const missing = embeddings.findIndex((v) => v === undefined);
		if (missing >= 0 || response.data.length !== texts.length) {
			throw this.badResponse(`returned ${response.data.length} embeddings for ${texts.length} inputs (input ${Math.max(missing, 0)} has none)`);
		}
		const vectors = embeddings as number[][];
		const width = vectors[0]!.length;
		if (this.dims === 0) this.dims = width;
		const wrong = vectors.findIndex((v) => v.length !== this.dims);
		if (wrong >= 0) {
			throw this.badResponse(`returned ${vectors[wrong]!.length} dimensions for input ${wrong}, expected ${this.dims}; set the model's dimensions to what it produces`);
		}
		const inputTokens = response.usage?.prompt_tokens ?? texts.reduce((sum, t) => sum + estimateTokens(t), 0);
		return { embeddings: vectors, usage: { inputTokens, outputTokens: 0, latencyMs } };
	}

	private badResponse(what: string): ProviderError {
		return new ProviderError(`${this.provider} model "${this.modelId}" ${what}.`, { provider: this.provider, retryable: false, code: 'PROVIDER_BAD_RESPONSE' });
	}
}
