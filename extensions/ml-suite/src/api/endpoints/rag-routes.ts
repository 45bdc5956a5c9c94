import type { ServerResponse } from 'node:http';
import type { Router } from 'express';
import { z } from 'zod';
import { MlError } from '../../core/errors.js';
import type { RagRequest } from '../../core/rag/types.js';
import type { AskResponse, RagStreamEvent } from '../../shared/rag-types.js';
import { RAG_DOCUMENTS_INDEX } from '../../core/indexing/index-definition.js';
import type { Container } from '../container.js';
import { route, type MlRequest } from '../http.js';
import { assertPromptWithinCaps, capCompletionTokens } from '../../core/providers/model-caps.js';
import { DirectusFilter } from '../../core/search/directus-filter.js';
import { openSse } from '../sse.js';
import { AskResponseBody } from './response-schemas.js';

const filter = DirectusFilter;

export const AskRequest = z.object({
	question: z.string().min(1),
	indexes: z.array(z.string().min(1)).max(50).optional(),
	filter: filter.optional(),
	limit: z.number().int().min(1).max(50).optional(),
	mode: z.enum(['semantic', 'keyword', 'hybrid']).optional(),
	history: z
		.array(z.object({ role: z.enum(['user', 'assistant']), content: z.string() }))
		.max(200)
		.optional(),
	model: z.string().min(1).optional(),
	extractive: z.boolean().optional(),
	systemPrompt: z.string().max(20_000).optional(),
	temperature: z.number().min(0).max(2).optional(),
	maxTokens: z.number().int().min(1).max(200_000).optional(),
	stream: z.boolean().optional(),
});
export type AskRequest = z.infer<typeof AskRequest>;

/** SynthStack's `POST /rag/query` body. */
export const RagQueryRequest = z.object({
	query: z.string().min(1),
	collection: z.string().min(1).optional(),
	contextLimit: z.number().int().min(1).max(20).default(5),
	model: z.string().min(1).optional(),
	systemPrompt: z.string().max(20_000).optional(),
});
export type RagQueryRequest = z.infer<typeof RagQueryRequest>;

type RagCaller = Parameters<Container['rag']['answer']>[0]['caller'];

function ragRequest(req: MlRequest, container: Container, body: Omit<AskRequest, 'stream'>): RagRequest<RagCaller> {
	return {
		...body,
		caller: { accountability: req.accountability, schema: req.schema, origin: req.origin },
		// Generating the answer uses the chat model: only if the caller may (ml_models read), and
		// within its caps. Retrieval uses the index's embedding model, which reading the indexed
		// collection allows (see README "Who may spend").
		mayUseModel: async (model) => {
			const definition = await container.models.get(model.modelId);
			if (!(await container.modelAccess.can(req.accountability, definition, req.schema))) return false;
			capCompletionTokens(definition, body.maxTokens, 'maxTokens');
			assertPromptWithinCaps(definition, [{ role: 'user', content: body.question }], 'question');
			return true;
		},
		signal: req.signal,
		onProviderCall: (call) => container.chat.record(req.origin, call),
	};
}

/**
 * Writes RAG events as Server-Sent Events (`event: <type>`, JSON data). A failure before the
 * first event (bad input, unknown model) is thrown so the route answers with a proper 4xx/5xx
 * JSON error instead of a stream; later failures arrive as an `error` event that ends it.
 */
export async function pipeRagStream(events: AsyncIterable<RagStreamEvent>, res: ServerResponse): Promise<void> {
	const iterator = events[Symbol.asyncIterator]();
	const first = await iterator.next();
	if (!first.done && first.value.type === 'error') {
		const { message, code, status } = first.value;
		throw new MlError(message, { code, status: status ?? 500 });
	}
	const sse = openSse(res);
	try {
		let step = first;
		while (!step.done) {
			if (sse.closed) break;
			sse.send(step.value, step.value.type);
			if (step.value.type === 'error' || step.value.type === 'done') break;
			step = await iterator.next();
		}
	} finally {
		await iterator.return?.();
		sse.end();
	}
}

export function registerRagRoutes(router: Router, getContainer: () => Promise<Container>): void {
	route(router, 'post', '/ask', { access: 'user', body: AskRequest, response: AskResponseBody, summary: 'Answer a question from the items the caller may read, with citations (JSON, or Server-Sent Events with stream: true)' }, async (req, container, res) => {
		const { stream, ...body } = req.body;
		const request = ragRequest(req, container, body);
		if (!stream) return { data: await container.rag.answer(request) };
		await pipeRagStream(container.rag.stream(request), res);
		return undefined;
	}, getContainer);

	route(router, 'post', '/rag/query', { access: 'user', body: RagQueryRequest }, async (req, container) => {
		const { query, collection, contextLimit, model, systemPrompt } = req.body;
		// A SynthStack "collection" is a RAG collection of /ml/rag/index documents; an index name
		// (e.g. "articles") also works. No collection: everything the caller can read.
		let indexes: string[] | undefined;
		let filter: Record<string, unknown> | undefined;
		if (collection) {
			const known = (await container.indexes.active()).some((index) => index.name === collection);
			if (known) indexes = [collection];
			else {
				indexes = [RAG_DOCUMENTS_INDEX];
				filter = { rag_collection: { _eq: collection } };
			}
		}
		const result = await container.rag.answer(ragRequest(req, container, { question: query, indexes, filter, limit: contextLimit, model, systemPrompt }));
		return toRagQueryResponse(result);
	}, getContainer);
}

/** SynthStack's response fields, plus the suite's own (mode, citations, notices). */
export function toRagQueryResponse(result: AskResponse): Record<string, unknown> {
	return {
		answer: result.answer,
		sources: result.citations.map((c) => ({
			content: c.passage,
			source: c.title,
			sourceType: c.collection,
			relevanceScore: c.score,
			metadata: { n: c.n, index: c.index, collection: c.collection, item: c.item, link: c.link, ...(c.media ? { media: c.media } : {}) },
		})),
		model: result.model ?? 'extractive',
		tokensUsed: result.usage.inputTokens + result.usage.outputTokens,
		mode: result.mode,
		citations: result.citations,
		notices: result.notices,
	};
}
