import type { Accountability, SchemaOverview } from '@directus/types';
import type { IndexDefinition } from '../core/indexing/index-definition.js';
import { assertInputsWithinCaps, type Caps } from '../core/providers/model-caps.js';
import type { RerankPolicy } from '../core/search/rerank-policy.js';
import type { SearchHit, SearchRequest, SearchService } from '../core/search/search-service.js';
import type { CallOrigin } from '../core/usage/types.js';
import type { IndexResolver, RequestAccess } from './index-resolver.js';

/** Who searches: a route's request or a Flow's chosen permissions. */
export interface SearchCaller {
	accountability: Accountability;
	/** The request's schema, so permission checks do not load (deep-copy) another. */
	schema?: SchemaOverview;
	origin: CallOrigin;
	signal?: AbortSignal;
}

/** A search as a caller asks for it: indexes by name (all the caller may read when omitted). */
export interface CallerSearchRequest extends Pick<SearchRequest, 'query' | 'mode' | 'limit' | 'filter' | 'fields' | 'minScore' | 'fusion'> {
	indexes?: string[];
	/** Rerank (true), do not (false), or follow ML_RERANK_INDEXES (undefined). */
	rerank?: boolean;
}

export interface CallerSearchResult {
	hits: SearchHit[];
	/** The indexes searched. */
	indexes: IndexDefinition[];
	reranked: boolean;
}

export interface CallerSearchDeps {
	indexResolver: Pick<IndexResolver<RequestAccess>, 'callerAccess' | 'resolve'>;
	search: Pick<SearchService, 'search'>;
	rerank: Pick<RerankPolicy, 'forSearch'>;
	/** The caps of the embedding model an index's queries are embedded with (ml_models), or null when none apply. */
	queryCaps(index: IndexDefinition): Promise<Caps | null>;
}

/**
 * Search on behalf of a caller: the `/ml/search` routes, the "Semantic search" Flow operation and
 * RAG retrieval. It resolves the indexes the caller may read (403 for a named one they cannot),
 * refuses a query over the embedding model's caps, applies the rerank policy and searches with
 * the caller's access, asked once per search.
 */
export class CallerSearch {
	constructor(private readonly deps: CallerSearchDeps) {}

	async search(caller: SearchCaller, request: CallerSearchRequest): Promise<CallerSearchResult> {
		const access = this.deps.indexResolver.callerAccess(caller.accountability, caller.schema);
		const indexes = await this.deps.indexResolver.resolve(caller.accountability, request.indexes, caller.schema, access);
		// The query is embedded with each index's model: within that model's max_input_chars.
		if (request.mode !== 'keyword') {
			for (const index of indexes) {
				const caps = await this.deps.queryCaps(index);
				if (caps) assertInputsWithinCaps(caps, [request.query], 'query');
			}
		}
		const rerank = this.deps.rerank.forSearch(indexes, request.rerank, caller.origin);
		const hits = await this.deps.search.search({
			query: request.query,
			indexes,
			mode: request.mode,
			rerank,
			limit: request.limit,
			filter: request.filter,
			fields: request.fields,
			minScore: request.minScore,
			fusion: request.fusion,
			access,
			origin: caller.origin,
			signal: caller.signal,
		});
		return { hits, indexes, reranked: rerank !== undefined };
	}
}
