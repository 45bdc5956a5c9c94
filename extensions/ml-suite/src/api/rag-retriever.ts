import type { Accountability, SchemaOverview } from '@directus/types';
import type { RagRetriever } from '../core/rag/types.js';
import type { CallOrigin } from '../core/usage/types.js';
import { usageSource } from '../core/usage/usage-source.js';
import type { CallerSearch } from './caller-search.js';

/** Who asks a RAG question: passed through core to the permission-aware retriever. */
export interface RagCaller {
	accountability: Accountability;
	/** Usage origin of retrieval's embedding calls; the route or flow that asked. */
	origin?: CallOrigin;
	/** The request's schema, so retrieval does not load (deep-copy) another. */
	schema?: SchemaOverview;
}

/**
 * RAG's retrieval: a search on behalf of the asker (the indexes they may read, their access, the
 * rerank policy), hybrid by default, 8 passages.
 */
export function createRagRetriever(search: Pick<CallerSearch, 'search'>): RagRetriever<RagCaller> {
	return async (options) => {
		const origin = options.origin ?? { user: options.accountability.user ?? null, ...usageSource.route('POST', '/ask') };
		const { hits } = await search.search(
			{ accountability: options.accountability, schema: options.schema, origin, signal: options.signal },
			{ query: options.query, indexes: options.indexes, mode: options.mode ?? 'hybrid', limit: options.limit ?? 8, filter: options.filter ?? null, fields: [] },
		);
		return hits.map((hit) => ({ index: hit.index, collection: hit.collection, item: hit.item, title: hit.title, content: hit.passage, score: hit.score, link: hit.link, ...(hit.media ? { media: hit.media } : {}) }));
	};
}
