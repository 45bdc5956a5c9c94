import { decodeVector } from '../embeddings/knex-embedding-cache.js';
import { InvalidPayloadError, ProviderError } from '../errors.js';
import { estimateTokens } from '../text/estimate-tokens.js';
import { sharedModelServerFetch } from './model-server-fetch.js';
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
	/**
	 * Vectors are asked for as base64 float32 (a quarter of the JSON, no number parsing), as the
	 * SDK does for OpenAI. A compatible server that rejects the parameter (HTTP 400/422 naming it) gets
	 * floats from then on; one that ignores it answers with numbers, which are taken as they are.
	 */
	private base64 = true;

	constructor(options: OpenAIEmbeddingModelOptions) {
		this.provider = options.provider;
		this.modelId = options.modelId;
		this.maxBatchSize = options.maxBatchSize ?? (options.provider === 'openai' ? 256 : 64);
		this.maxInputTokens = options.maxInputTokens ?? 8191;
		this.dims = options.dimensions ?? NATIVE_DIMENSIONS[options.modelId] ?? 0;
		this.sendDimensions = options.provider === 'openai' && options.dimensions != null && options.modelId.startsWith('text-embedding-3');
		// Embedding calls are small JSON requests on the request path: undici's request API with a
		// keep-alive agent (model-server-fetch.ts) instead of the global fetch, unless a fetch is given.
		this.client = new LazyOpenAIClient({ ...options, fetch: options.fetch ?? sharedModelServerFetch() });
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
		const create = (encoding: 'base64' | 'float') =>
			abortable(
				this.client.get().embeddings.create(
					{
						model: this.modelId,
						input: [...texts],
						...(this.sendDimensions ? { dimensions: this.dims } : {}),
						// Given explicitly, so the SDK hands the strings over instead of decoding them into arrays itself.
						encoding_format: encoding,
					},
					request,
				),
				signal,
			);
		const response = await this.client.guard(async () => {
			try {
				if (!this.base64) return await create('float');
				try {
					return await create('base64');
				} catch (error) {
					if (this.provider !== 'openai-compatible' || !rejectsBase64(error) || signal?.aborted) throw error;
					this.base64 = false;
					return await create('float');
				}
			} catch (error) {
				throw toProviderError(error, context);
			}
		});
		const latencyMs = performance.now() - started;

		const embeddings = new Array<number[] | undefined>(texts.length);
		for (const item of response.data) {
			if (item.index >= 0 && item.index < texts.length) embeddings[item.index] = toVector(item.embedding as unknown);
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

/** A vector from the wire: base64 of little-endian float32 bytes, or an array of numbers. */
function toVector(embedding: unknown): number[] | undefined {
	if (typeof embedding === 'string') return decodeVector(Buffer.from(embedding, 'base64'));
	return Array.isArray(embedding) ? (embedding as number[]) : undefined;
}

/** A 400/422 whose error names the encoding (a server that only speaks floats), not a bad input. */
function rejectsBase64(error: unknown): boolean {
	const { status, message, error: body } = error as { status?: unknown; message?: unknown; error?: unknown };
	if (status !== 400 && status !== 422) return false;
	return /encoding_format|base64/i.test(`${String(message)} ${JSON.stringify(body ?? null)}`);
}
