import type { Accountability } from '@directus/types';
import { describe, expect, it } from 'vitest';
import type { IndexDefinition } from '../core/indexing/index-definition.js';
import type { SearchHit, SearchRequest } from '../core/search/search-service.js';
import { CallerSearch } from './caller-search.js';
import type { RequestAccess } from './index-resolver.js';

const articles = { name: 'articles', collection: 'articles', embeddingModel: null } as IndexDefinition;
const hit = { index: 'articles', collection: 'articles', item: '7', title: 'Refunds', score: 0.8 } as SearchHit;
const caller = { user: 'u1', role: 'r1', admin: false } as Accountability;
const origin = { user: 'u1', sourceType: 'route' as const, source: 'route:POST /ml/search' };

function setup(options: { maxInputChars?: number; reranker?: boolean } = {}) {
	const requests: SearchRequest[] = [];
	const resolved: { names?: string[]; access: unknown }[] = [];
	const access = { canRead: async () => true, inactive: new Set<string>() } as unknown as RequestAccess;
	const reranker = { reranker: { provider: 'test', modelId: 'rerank-1' }, depth: 20 } as unknown as NonNullable<SearchRequest['rerank']>;
	const rerankAsked: unknown[] = [];
	const search = new CallerSearch({
		indexResolver: {
			callerAccess: () => access,
			resolve: async (_who, names, _schema, given) => {
				resolved.push({ names, access: given });
				return [articles];
			},
		},
		search: {
			search: async (request) => {
				requests.push(request);
				return [hit];
			},
		},
		rerank: {
			forSearch: (list, requested, from) => {
				rerankAsked.push({ list, requested, from });
				return options.reranker ? reranker : undefined;
			},
		},
		queryCaps: async () => ({ name: 'Embedder', modelId: 'embed-1', maxOutputTokens: null, maxRequestInputs: null, maxInputChars: options.maxInputChars ?? null }),
	});
	return { search, requests, resolved, access, rerankAsked, reranker };
}

describe('CallerSearch', () => {
	it("resolves the caller's indexes and searches them with the same access, asked once", async () => {
		const { search, requests, resolved, access, rerankAsked } = setup();
		const result = await search.search({ accountability: caller, origin }, { query: 'refunds', indexes: ['articles'], mode: 'hybrid', limit: 5, filter: null, fields: ['title'], fusion: { k: 10 } });
		expect(resolved).toEqual([{ names: ['articles'], access }]);
		expect(requests[0]).toMatchObject({ query: 'refunds', indexes: [articles], mode: 'hybrid', limit: 5, filter: null, fields: ['title'], fusion: { k: 10 }, access, origin, rerank: undefined });
		expect(rerankAsked).toEqual([{ list: [articles], requested: undefined, from: origin }]);
		expect(result).toEqual({ hits: [hit], indexes: [articles], reranked: false });
	});

	it('applies the rerank policy and says so', async () => {
		const { search, requests, reranker } = setup({ reranker: true });
		const result = await search.search({ accountability: caller, origin }, { query: 'refunds', mode: 'semantic', limit: 5, filter: null, fields: [], rerank: true });
		expect(requests[0]?.rerank).toBe(reranker);
		expect(result.reranked).toBe(true);
	});

	it("refuses a query over the embedding model's max_input_chars before searching, except for keyword search", async () => {
		const { search, requests } = setup({ maxInputChars: 10 });
		await expect(search.search({ accountability: caller, origin }, { query: 'a query longer than ten', mode: 'hybrid', limit: 5, filter: null, fields: [] })).rejects.toMatchObject({ status: 400, code: 'MODEL_LIMIT_EXCEEDED' });
		expect(requests).toHaveLength(0);
		await search.search({ accountability: caller, origin }, { query: 'a query longer than ten', mode: 'keyword', limit: 5, filter: null, fields: [] });
		expect(requests).toHaveLength(1);
	});
});
