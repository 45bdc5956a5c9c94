import type { Accountability, SchemaOverview } from '@directus/types';
import type { RagRetriever } from '../core/rag/types.js';
import type { RerankPolicy } from '../core/search/rerank-policy.js';
import type { SearchService } from '../core/search/search-service.js';
import type { CallOrigin } from '../core/usage/types.js';
import { usageSource } from '../core/usage/usage-source.js';
import type { IndexResolver } from './index-resolver.js';

/** Who asks a RAG question: passed through core to the permission-aware retriever. */
export interface RagCaller {
	accountability: Accountability;
	/** Usage origin of retrieval's embedding calls; the route or flow that asked. */
	origin?: CallOrigin;
	/** The request's schema, so retrieval does not load (deep-copy) another. */
	schema?: SchemaOverview;
}

export interface RagRetrieverDeps {
	indexResolver: Pick<IndexResolver, 'callerAccess' | 'resolve'>;
	search: Pick<SearchService, 'search'>;
	rerank: Pick<RerankPolicy, 'forSearch'>;
}

/**
 * RAG's retrieval: the indexes the caller may read, searched with the caller's access (hybrid by
 * default, 8 passages), reranked as a search of those indexes would be.
 */
export function createRagRetriever(deps: RagRetrieverDeps): RagRetriever<RagCaller> {
	return async (options) => {
		const access = deps.indexResolver.callerAccess(options.accountability, options.schema);
		const indexes = await deps.indexResolver.resolve(options.accountability, options.indexes, options.schema, access);
		const origin = options.origin ?? { user: options.accountability.user ?? null, ...usageSource.route('POST', '/ask') };
		const hits = await deps.search.search({
			query: options.query,
			indexes,
			rerank: deps.rerank.forSearch(indexes, undefined, origin),
			mode: options.mode ?? 'hybrid',
			limit: options.limit ?? 8,
			filter: options.filter ?? null,
			fields: [],
			access,
			origin,
			signal: options.signal,
		});
		return hits.map((hit) => ({ index: hit.index, collection: hit.collection, item: hit.item, title: hit.title, content: hit.passage, score: hit.score, link: hit.link, ...(hit.media ? { media: hit.media } : {}) }));
	};
}
