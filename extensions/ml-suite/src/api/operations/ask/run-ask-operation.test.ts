import type { Accountability } from '@directus/types';
import { describe, expect, it } from 'vitest';
import { InvalidPayloadError, NotFoundError } from '../../../core/errors.js';
import type { RagRequest } from '../../../core/rag/types.js';
import type { AskResponse, Citation } from '../../../shared/rag-types.js';
import { runAskOperation, type OperationCaller } from './run-ask-operation.js';

const citation: Citation = { n: 1, index: 'articles', collection: 'articles', item: '7', title: 'T', link: '/admin/content/articles/7', passage: 'p', score: 0.9 };

function fakeRag(citations: Citation[]) {
	const requests: RagRequest<OperationCaller>[] = [];
	return {
		requests,
		async answer(request: RagRequest<OperationCaller>): Promise<AskResponse> {
			requests.push(request);
			return { answer: 'A [1]', mode: 'extractive', citations, model: null, usage: { inputTokens: 0, outputTokens: 0, latencyMs: 1 }, notices: [], retrieved: citations.length };
		},
	};
}

const user: Accountability = { user: 'u1', role: 'r1', roles: ['r1'], admin: false, app: true, ip: null };

describe('runAskOperation', () => {
	it('normalises flow-editor options and asks with the trigger accountability', async () => {
		const rag = fakeRag([citation]);
		const result = await runAskOperation(
			{ question: 'What?', indexes: 'articles, faq', limit: '3', filter: '{"status":{"_eq":"published"}}', model: '', mode: 'semantic' },
			{ rag, accountability: user },
		);
		expect(result).toMatchObject({ answer: 'A [1]', found: true, citations: [citation] });
		expect(rag.requests[0]).toMatchObject({
			question: 'What?',
			indexes: ['articles', 'faq'],
			limit: 3,
			mode: 'semantic',
			filter: { status: { _eq: 'published' } },
			model: undefined,
			caller: { accountability: user },
		});
	});

	it('maps the permissions option to an accountability', async () => {
		const rag = fakeRag([citation]);
		await runAskOperation({ question: 'q', permissions: '$public' }, { rag, accountability: user });
		await runAskOperation({ question: 'q', permissions: '$full' }, { rag, accountability: user });
		await runAskOperation({ question: 'q' }, { rag, accountability: null });
		expect(rag.requests.map((r) => [r.caller.accountability.user, r.caller.accountability.admin])).toEqual([
			[null, false],
			[null, true],
			[null, true],
		]);
	});

	it('rejects a missing question and invalid filter JSON naming the option', async () => {
		const rag = fakeRag([]);
		await expect(runAskOperation({ question: '  ' }, { rag, accountability: user })).rejects.toThrow(/"question"/);
		await expect(runAskOperation({ question: 'q', filter: '{oops' }, { rag, accountability: user })).rejects.toBeInstanceOf(InvalidPayloadError);
	});

	it('fails only when asked to, when there is no answer', async () => {
		const rag = fakeRag([]);
		expect(await runAskOperation({ question: 'q' }, { rag, accountability: user })).toMatchObject({ found: false });
		await expect(runAskOperation({ question: 'q', failWhenNoAnswer: true }, { rag, accountability: user })).rejects.toBeInstanceOf(NotFoundError);
	});
});
