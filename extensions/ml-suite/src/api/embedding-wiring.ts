import type { EmbedResponse } from '../core/embeddings/embedding-service.js';
import { EmbeddingService } from '../core/embeddings/embedding-service.js';
import { LayeredEmbeddingCache, MemoryEmbeddingCache } from '../core/embeddings/embedding-cache.js';
import { KnexEmbeddingCache } from '../core/embeddings/knex-embedding-cache.js';
import { WriteBehindEmbeddingCache } from '../core/embeddings/write-behind-embedding-cache.js';
import type { IndexDefinition } from '../core/indexing/index-definition.js';
import type { IndexModel } from '../core/indexing/indexing-service.js';
import type { ModelRegistry } from '../core/providers/model-registry.js';
import type { EmbeddingModel } from '../core/providers/types.js';
import type { CallOrigin, UsageRecorder } from '../core/usage/types.js';
import type { HostContext } from './container-types.js';

export interface EmbeddingWiring {
	/** A registry embedding model (the default one when `modelId` is omitted). */
	embeddingModel(modelId?: string | null): Promise<{ model: EmbeddingModel; definition: { inputPricePerMillion: number; outputPricePerMillion: number } }>;
	/** The identity and dimensions of an index's embedding model (what its settings hash covers). */
	resolveIndexModel(index: IndexDefinition): Promise<IndexModel>;
	/** Embeds texts with a registry model (the default when `modelId` is omitted), cached and usage-recorded. */
	embedTexts(texts: string[], options: { modelId?: string | null; origin: CallOrigin; signal?: AbortSignal }): Promise<EmbedResponse>;
	/** Flushes the database cache's pending writes. */
	close(): Promise<void>;
}

/**
 * Embedding calls through the caches. Remote embeddings cost money and latency, so they are also
 * cached in the database (written behind the request, batched like usage rows); the local
 * embedder is cheaper to rerun than a database round trip, so it only gets the memory cache.
 */
export function buildEmbeddings(host: HostContext, deps: { models: Pick<ModelRegistry, 'embeddingModel'>; usage: UsageRecorder }): EmbeddingWiring {
	const memoryCache = new MemoryEmbeddingCache({ maxEntries: 20_000 });
	const databaseCache = new WriteBehindEmbeddingCache(new KnexEmbeddingCache({ knex: host.database }), { logger: host.logger });
	const localEmbeddings = new EmbeddingService({ cache: memoryCache, usage: deps.usage, logger: host.logger });
	const remoteEmbeddings = new EmbeddingService({ cache: new LayeredEmbeddingCache(memoryCache, databaseCache), usage: deps.usage, logger: host.logger });
	const embeddingsFor = (model: EmbeddingModel): EmbeddingService => (model.provider === 'local' ? localEmbeddings : remoteEmbeddings);
	const embeddingModel: EmbeddingWiring['embeddingModel'] = (modelId) => deps.models.embeddingModel(modelId ?? undefined);

	return {
		embeddingModel,
		async resolveIndexModel(index) {
			const { model } = await embeddingModel(index.embeddingModel);
			return { key: EmbeddingService.cacheModelKey(model), dimensions: model.dimensions };
		},
		async embedTexts(texts, options) {
			const resolved = await embeddingModel(options.modelId);
			return embeddingsFor(resolved.model).embed(texts, { model: resolved, origin: options.origin, signal: options.signal });
		},
		close: () => databaseCache.close(),
	};
}
