import type { Accountability } from '@directus/types';
import { describe, expect, it } from 'vitest';
import type { IndexDefinition } from '../core/indexing/index-definition.js';
import type { SearchHit, SearchRequest } from '../core/search/search-service.js';
import { createRagRetriever } from './rag-retriever.js';

const articles = { name: 'articles', collection: 'articles' } as IndexDefinition;
const hit: SearchHit = { index: 'articles', collection: 'articles', item: '7', title: 'Refunds', score: 0.8, snippet: 'Refunds…', passage: 'Refunds are issued within 14 days.', chunkIndex: 0, field: 'body', link: '/admin/content/articles/7', data: { secret: 'x' } };
const caller = { user: 'u1', role: 'r1', admin: false } as Accountability;

function setup() {
	const requests: SearchRequest[] = [];
	const resolved: { names?: string[]; access: unknown }[] = [];
	const access = { marker: 'request access' };
	const rerankAsked: unknown[] = [];
	const retrieve = createRagRetriever({
		indexResolver: {
			callerAccess: () => access as never,
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
			forSearch: (list, requested, origin) => {
				rerankAsked.push({ list, requested, origin });
				return undefined;
			},
		},
	});
	return { retrieve, requests, resolved, access, rerankAsked };
}

describe('createRagRetriever', () => {
	it("searches the indexes the caller may use with one access per retrieval, hybrid and 8 passages by default, attributed to /ask", async () => {
		const { retrieve, requests, resolved, access, rerankAsked } = setup();
		const passages = await retrieve({ query: 'refunds?', accountability: caller, indexes: ['articles'] });
		expect(resolved).toEqual([{ names: ['articles'], access }]);
		const origin = { user: 'u1', sourceType: 'route', source: 'route:POST /ml/ask' };
		expect(requests[0]).toMatchObject({ query: 'refunds?', indexes: [articles], mode: 'hybrid', limit: 8, filter: null, fields: [], access, origin });
		expect(rerankAsked).toEqual([{ list: [articles], requested: undefined, origin }]);
		// Only the passage and where it is from: no item data goes into the prompt.
		expect(passages).toEqual([{ index: 'articles', collection: 'articles', item: '7', title: 'Refunds', content: 'Refunds are issued within 14 days.', score: 0.8, link: '/admin/content/articles/7' }]);
	});

	it("keeps the caller's origin, mode, limit and filter", async () => {
		const { retrieve, requests } = setup();
		const origin = { user: 'u1', sourceType: 'flow' as const, source: 'flow:ml-ask' };
		await retrieve({ query: 'q', accountability: caller, origin, mode: 'keyword', limit: 3, filter: { status: { _eq: 'published' } } });
		expect(requests[0]).toMatchObject({ origin, mode: 'keyword', limit: 3, filter: { status: { _eq: 'published' } } });
	});
});
