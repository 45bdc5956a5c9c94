import { InvalidPayloadError, isMlError, PayloadTooLargeError } from '../errors.js';
import type { EmbeddingModel, ModelDefinition } from '../providers/types.js';
import { contentHash } from '../text/content-hash.js';
import { estimateTokens } from '../text/estimate-tokens.js';
import { computeCost } from '../usage/compute-cost.js';
import type { CoreLogger } from '../usage/logger.js';
import type { CallOrigin, UsageEvent, UsageRecorder } from '../usage/types.js';
import type { CacheEntry, EmbeddingCache } from './embedding-cache.js';
import { toFloat32Array } from './knex-embedding-cache.js';
import { withUsageScope } from '../usage/usage-scope.js';
import { callUsageEvent } from '../usage/usage-event.js';

/** A model instance together with the registry row it came from (for prices). */
export interface ResolvedEmbeddingModel {
	model: EmbeddingModel;
	definition: Pick<ModelDefinition, 'inputPricePerMillion' | 'outputPricePerMillion'>;
}

export interface EmbeddingServiceOptions {
	/** Cache consulted before the provider. Default: none. */
	cache?: EmbeddingCache | null;
	/** Receives one event per provider call. Default: none. */
	usage?: UsageRecorder | null;
	/** Provider calls in flight at once for one `embed`. Default: 4. */
	concurrency?: number;
	/** Cache failures are logged here and treated as misses. Default: silent. */
	logger?: CoreLogger;
}

export interface EmbedRequest {
	model: ResolvedEmbeddingModel;
	/** Who the call is for; copied into usage events. */
	origin: CallOrigin;
	signal?: AbortSignal;
}

export interface EmbedResponse {
	/** One vector per input, in input order. */
	embeddings: number[][];
	/** Provider model id. */
	model: string;
	dimensions: number;
	/** Totals over the provider calls made (cache hits cost nothing). */
	usage: { inputTokens: number; latencyMs: number; cost: number; providerCalls: number };
	/** Inputs answered from the cache. */
	cacheHits: number;
}

/**
 * The one place callers embed text. Validates every input (non-empty, within the model's
 * token limit), embeds each distinct text once (identical inputs and cached texts are not
 * sent), splits the rest into batches of `model.maxBatchSize` run with bounded concurrency,
 * puts the vectors back in input order, fills the cache, and records usage per provider call.
 */
export class EmbeddingService {
	private readonly concurrency: number;

	constructor(private readonly options: EmbeddingServiceOptions = {}) {
		this.concurrency = Math.max(1, options.concurrency ?? 4);
	}

	/** The cache key for a model: provider, model id and dimensions, so a changed model never reads old vectors. */
	static cacheModelKey(model: EmbeddingModel): string {
		return `${model.provider}:${model.modelId}:${model.dimensions}`;
	}

	async embed(texts: readonly string[], request: EmbedRequest): Promise<EmbedResponse> {
		const { model } = request.model;
		validate(texts, model);
		const started = performance.now();
		// Distinct texts are keyed by content hash, the cache's key; without a cache the text itself
		// is the key (the same grouping without a SHA-256 per input).
		const hashes = this.options.cache ? texts.map((t) => contentHash(t)) : texts;
		const textByHash = new Map<string, string>();
		texts.forEach((t, i) => textByHash.set(hashes[i]!, t));
		const cacheKey = EmbeddingService.cacheModelKey(model);

		const vectors = await this.readCache(cacheKey, [...textByHash.keys()]);
		const cacheHits = hashes.filter((h) => vectors.has(h)).length;
		const missing = [...textByHash.keys()].filter((h) => !vectors.has(h));

		const batches: string[][] = [];
		const batchSize = Math.max(1, model.maxBatchSize);
		for (let i = 0; i < missing.length; i += batchSize) batches.push(missing.slice(i, i + batchSize));

		const totals = { inputTokens: 0, latencyMs: 0, cost: 0, providerCalls: 0 };
		// Several batches: the first failure cancels the others. One batch (every single-text call)
		// needs no combined signal (AbortSignal.any costs an allocation and a GC-tracked link per call).
		const internal = new AbortController();
		const signal = request.signal ? (batches.length > 1 ? AbortSignal.any([request.signal, internal.signal]) : request.signal) : internal.signal;
		let next = 0;
		const worker = async (): Promise<void> => {
			while (next < batches.length && !signal.aborted) {
				const batch = batches[next++]!;
				const result = await this.callProvider(batch.map((h) => textByHash.get(h)!), request, signal);
				totals.inputTokens += result.usage.inputTokens;
				totals.latencyMs += result.usage.latencyMs;
				totals.cost += result.cost;
				totals.providerCalls++;
				// Vectors are kept at float32 precision (what caches and stores hold), so a cache hit
				// returns exactly what the provider call returned.
				// The arrays are the model's fresh output: rounded in place, not copied.
				const rounded = result.embeddings.map(roundToFloat32);
				batch.forEach((h, i) => vectors.set(h, rounded[i]!));
				// One float32 copy per new vector, handed to every cache layer (none copies it again); none without a cache.
				if (this.options.cache) await this.writeCache(cacheKey, batch.map((h, i) => ({ hash: h, vector: toFloat32Array(rounded[i]!) })));
			}
		};
		let failure: { error: unknown } | undefined;
		await Promise.all(
			Array.from({ length: Math.min(this.concurrency, batches.length) }, () =>
				worker().catch((error: unknown) => {
					// The first failure stops the other workers; the caller gets it, not their aborts.
					failure ??= { error };
					internal.abort();
				}),
			),
		);
		if (failure) throw failure.error;
		request.signal?.throwIfAborted();

		// One event per call served (partly) from the cache, so dashboards can show a hit rate; it costs nothing.
		if (cacheHits > 0) {
			this.record(request, { inputTokens: 0, latencyMs: performance.now() - started, cost: 0, status: 'success', errorCode: null, cacheHit: true });
		}
		return {
			embeddings: hashes.map((h) => vectors.get(h)!),
			model: model.modelId,
			dimensions: model.dimensions,
			usage: totals,
			cacheHits,
		};
	}

	private async callProvider(
		texts: string[],
		request: EmbedRequest,
		signal: AbortSignal,
	): Promise<{ embeddings: number[][]; usage: { inputTokens: number; latencyMs: number }; cost: number }> {
		const { model, definition } = request.model;
		const started = performance.now();
		try {
			const { origin } = request;
			// Narrows the budget scope to this call's collection (an index's), user and source.
			const result = await withUsageScope({ user: origin.user, source: origin.source, ...(origin.collection ? { collection: origin.collection } : {}) }, () => model.embed(texts, { signal }));
			if (result.embeddings.length !== texts.length) {
				throw new InvalidPayloadError(`Model "${model.modelId}" returned ${result.embeddings.length} vectors for ${texts.length} inputs.`);
			}
			const cost = computeCost(definition, result.usage.inputTokens, 0);
			this.record(request, { inputTokens: result.usage.inputTokens, latencyMs: result.usage.latencyMs, cost, status: 'success', errorCode: null, cacheHit: false });
			return { embeddings: result.embeddings, usage: result.usage, cost };
		} catch (error) {
			const aborted = signal.aborted && !request.signal?.aborted;
			// Calls cancelled because a sibling batch failed are not failures of their own.
			if (!aborted) {
				this.record(request, {
					inputTokens: 0,
					latencyMs: performance.now() - started,
					cost: 0,
					status: 'error',
					errorCode: errorCode(error),
					cacheHit: false,
				});
			}
			throw error;
		}
	}

	private record(request: EmbedRequest, fields: Pick<UsageEvent, 'inputTokens' | 'latencyMs' | 'cost' | 'status' | 'errorCode' | 'cacheHit'>): void {
		const { origin } = request;
		const { model } = request.model;
		this.options.usage?.record(callUsageEvent(origin, { capability: 'embedding', provider: model.provider, model: model.modelId, ...fields }));
	}

	private async readCache(key: string, hashes: string[]): Promise<Map<string, number[]>> {
		if (!this.options.cache) return new Map();
		try {
			return await this.options.cache.getMany(key, hashes);
		} catch (error) {
			this.options.logger?.warn(`Embedding cache read failed, embedding without it: ${describe(error)}`);
			return new Map();
		}
	}

	private async writeCache(key: string, entries: CacheEntry[]): Promise<void> {
		if (!this.options.cache) return;
		try {
			await this.options.cache.setMany(key, entries);
		} catch (error) {
			this.options.logger?.warn(`Embedding cache write failed: ${describe(error)}`);
		}
	}
}

function roundToFloat32(vector: number[]): number[] {
	for (let i = 0; i < vector.length; i++) vector[i] = Math.fround(vector[i]!);
	return vector;
}

function validate(texts: readonly string[], model: EmbeddingModel): void {
	if (!Array.isArray(texts)) throw new InvalidPayloadError('Texts must be an array of strings.', { field: 'texts' });
	texts.forEach((text: unknown, index) => {
		if (typeof text !== 'string') {
			throw new InvalidPayloadError(`Input ${index} is not a string.`, { index });
		}
		if (text.trim() === '') {
			throw new InvalidPayloadError(`Input ${index} is empty; every input must contain text.`, { index });
		}
		// An estimate is at most one token per character (plus one for a trailing lone surrogate):
		// texts shorter than the limit need no walk (≈ 0.1 s of CPU per 6,500 chunks indexed, measured).
		if (text.length < model.maxInputTokens) return;
		const tokens = estimateTokens(text);
		if (tokens > model.maxInputTokens) {
			throw new PayloadTooLargeError(
				`Input ${index} has about ${tokens} tokens; model "${model.modelId}" accepts at most ${model.maxInputTokens}. Split the text into chunks first.`,
				{ index, tokens, limit: model.maxInputTokens },
			);
		}
	});
}

function errorCode(error: unknown): string {
	if (isMlError(error)) return error.code;
	if (error instanceof Error && error.name === 'AbortError') return 'ABORTED';
	return 'UNKNOWN_ERROR';
}

function describe(error: unknown): string {
	return error instanceof Error ? error.message : String(error);
}
