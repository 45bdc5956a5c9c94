import { describe, expect, it } from 'vitest';
import type { IndexDefinition } from '../indexing/index-definition.js';
import type { CallOrigin, UsageEvent } from '../usage/types.js';
import { RerankPolicy } from './rerank-policy.js';
import type { Reranker } from './reranker.js';

const reranker: Reranker = {
	provider: 'openai-compatible',
	modelId: 'bge-reranker',
	rerank: async () => ({ results: [], usage: { inputTokens: 0, latencyMs: 0 } }),
};
const origin: CallOrigin = { user: 'u1', sourceType: 'route', source: 'route:POST /ml/search' };
const index = (name: string, collection = name): IndexDefinition => ({ name, collection }) as IndexDefinition;

function policy(options: { reranker?: Reranker | null; indexes?: string } = {}) {
	const events: UsageEvent[] = [];
	const rerank = new RerankPolicy({ reranker: options.reranker === undefined ? reranker : options.reranker, indexes: options.indexes ?? 'articles, docs', depth: 40, record: (e) => events.push(e) });
	return { rerank, events };
}

describe('RerankPolicy', () => {
	it('reranks by default only when every searched index is listed in ML_RERANK_INDEXES', () => {
		const { rerank } = policy();
		expect(rerank.forSearch([index('articles'), index('docs')], undefined, origin)).toMatchObject({ reranker, depth: 40 });
		expect(rerank.forSearch([index('articles'), index('faq')], undefined, origin)).toBeUndefined();
		expect(rerank.forSearch([], undefined, origin)).toBeUndefined();
		expect(policy({ indexes: '*' }).rerank.forSearch([index('faq')], undefined, origin)).toBeDefined();
	});

	it('follows the request when it says, and refuses to rerank with none configured (400)', () => {
		const { rerank } = policy();
		expect(rerank.forSearch([index('faq')], true, origin)).toBeDefined();
		expect(rerank.forSearch([index('articles')], false, origin)).toBeUndefined();
		const none = policy({ reranker: null, indexes: '*' }).rerank;
		expect(none.forSearch([index('articles')], undefined, origin)).toBeUndefined();
		expect(() => none.forSearch([index('articles')], true, origin)).toThrow(expect.objectContaining({ status: 400, code: 'INVALID_PAYLOAD' }));
	});

	it('records each rerank call as usage, with the collection when one index was searched', () => {
		const { rerank, events } = policy();
		rerank.forSearch([index('articles', 'posts')], true, origin)!.onCall!({ response: { results: [], usage: { inputTokens: 120, latencyMs: 9 } }, documents: 3 });
		rerank.forSearch([index('articles'), index('docs')], true, origin)!.onCall!({ error: Object.assign(new Error('down'), { code: 'PROVIDER_UNREACHABLE' }), documents: 3 });
		expect(events[0]).toMatchObject({ capability: 'rerank', user: 'u1', source: 'route:POST /ml/search', provider: 'openai-compatible', model: 'bge-reranker', collection: 'posts', inputTokens: 120, latencyMs: 9, status: 'success', errorCode: null });
		expect(events[1]).toMatchObject({ collection: null, inputTokens: 0, status: 'error', errorCode: 'PROVIDER_UNREACHABLE' });
	});
});
