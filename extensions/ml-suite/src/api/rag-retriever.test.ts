import type { Accountability } from '@directus/types';
import { describe, expect, it } from 'vitest';
import type { IndexDefinition } from '../core/indexing/index-definition.js';
import type { SearchHit } from '../core/search/search-service.js';
import type { CallerSearchRequest, SearchCaller } from './caller-search.js';
import { createRagRetriever } from './rag-retriever.js';

const articles = { name: 'articles', collection: 'articles' } as IndexDefinition;
const hit: SearchHit = { index: 'articles', collection: 'articles', item: '7', title: 'Refunds', score: 0.8, snippet: 'Refunds…', passage: 'Refunds are issued within 14 days.', chunkIndex: 0, field: 'body', link: '/admin/content/articles/7', data: { secret: 'x' } };
const caller = { user: 'u1', role: 'r1', admin: false } as Accountability;

function setup() {
	const calls: { caller: SearchCaller; request: CallerSearchRequest }[] = [];
	const retrieve = createRagRetriever({
		search: async (who, request) => {
			calls.push({ caller: who, request });
			return { hits: [hit], indexes: [articles], reranked: false };
		},
	});
	return { retrieve, calls };
}

describe('createRagRetriever', () => {
	it('searches as the asker, hybrid and 8 passages by default, attributed to /ask; passages carry no item data', async () => {
		const { retrieve, calls } = setup();
		const passages = await retrieve({ query: 'refunds?', accountability: caller, indexes: ['articles'] });
		expect(calls[0]).toMatchObject({
			caller: { accountability: caller, origin: { user: 'u1', sourceType: 'route', source: 'route:POST /ml/ask' } },
			request: { query: 'refunds?', indexes: ['articles'], mode: 'hybrid', limit: 8, filter: null, fields: [] },
		});
		// Only the passage and where it is from: no item data goes into the prompt.
		expect(passages).toEqual([{ index: 'articles', collection: 'articles', item: '7', title: 'Refunds', content: 'Refunds are issued within 14 days.', score: 0.8, link: '/admin/content/articles/7' }]);
	});

	it("keeps the caller's origin, mode, limit and filter", async () => {
		const { retrieve, calls } = setup();
		const origin = { user: 'u1', sourceType: 'flow' as const, source: 'flow:ml-ask' };
		await retrieve({ query: 'q', accountability: caller, origin, mode: 'keyword', limit: 3, filter: { status: { _eq: 'published' } } });
		expect(calls[0]).toMatchObject({ caller: { origin }, request: { mode: 'keyword', limit: 3, filter: { status: { _eq: 'published' } } } });
	});
});
