import type { Router } from 'express';
import { z } from 'zod';
import { notFoundOrForbidden } from '../../core/errors.js';
import { relatedQueryText } from '../../core/indexing/build-document.js';
import { computeSettingsHash, namespaceOf, type IndexDefinition } from '../../core/indexing/index-definition.js';
import { DirectusFilter } from '../../core/search/directus-filter.js';
import { FusionOverrides } from '../../core/search/fusion.js';
import type { Container } from '../container.js';
import { collectionInactiveError, isCollectionInactive } from '../directus-runtime.js';
import { route, type MlRequest } from '../http.js';
import { IndexesResponse, SearchResponse } from './response-schemas.js';

const directusFilter = DirectusFilter;


export const SearchBody = z.object({
	query: z.string().trim().min(1, 'must not be empty').max(4000, 'must be at most 4000 characters'),
	indexes: z.array(z.string().min(1)).min(1).max(20).optional(),
	/** Default `hybrid`: the keyword engine and the vectors, fused. */
	mode: z.enum(['semantic', 'keyword', 'hybrid']).default('hybrid'),
	filter: directusFilter.optional(),
	fields: z.array(z.string().min(1)).max(50).default([]),
	limit: z.number().int().min(1).max(100).default(10),
	/** Lowest cosine similarity a semantic candidate may have (semantic and hybrid). Default: none, results are rank-based. */
	minScore: z.number().min(-1).max(1).optional(),
	fusion: FusionOverrides.optional(),
	/** Rerank the first hits with the configured reranker (default: on for indexes in ML_RERANK_INDEXES). */
	rerank: z.boolean().optional(),
});
export type SearchBody = z.infer<typeof SearchBody>;

const RelatedQuery = z.object({
	limit: z.coerce.number().int().min(1).max(50).default(5),
	fields: z
		.string()
		.optional()
		.transform((v) => (v ? v.split(',').map((s) => s.trim()).filter(Boolean) : [])),
});

const ReindexBody = z.object({ force: z.boolean().default(false) });

function usableIndexes(container: Container, req: MlRequest, names?: string[]): Promise<IndexDefinition[]> {
	return container.indexResolver.resolve(req.accountability, names, req.schema);
}

async function coverage(container: Container, index: IndexDefinition): Promise<Record<string, unknown>> {
	const [counts, chunks, total, model] = await Promise.all([
		container.indexing.documents.countByStatus(index.id),
		container.indexing.documents.totalChunks(index.id),
		container.itemSource.count(index.collection, index.filter).catch(() => null),
		container.resolveIndexModel(index),
	]);
	const vectors = await container.storeFor(index).count(namespaceOf(index)).catch(() => null);
	const currentHash = computeSettingsHash(index, model);
	return {
		index: index.name,
		collection: index.collection,
		status: index.status,
		items: total,
		documents: counts,
		chunks,
		vectors,
		settingsCurrent: index.settingsHash === currentHash,
		coverage: total ? Math.min(1, counts.indexed / total) : null,
		model: model.key,
		vectorStore: container.storeFor(index).kind,
	};
}

export function registerSearchRoutes(router: Router, getContainer: () => Promise<Container>): void {
	route(router, 'get', '/indexes', { access: 'user', response: IndexesResponse, summary: 'Indexes the caller may search' }, async (req, container) => {
		const indexes = await usableIndexes(container, req as MlRequest);
		return { data: indexes.map((i) => ({ name: i.name, label: i.label, collection: i.collection, status: i.status })) };
	}, getContainer);

	route(router, 'get', '/indexes/:name/coverage', { access: 'admin' }, async (req, container) => {
		container.indexes.invalidate();
		return { data: await coverage(container, await container.indexes.byName(req.params.name ?? '')) };
	}, getContainer);

	route(router, 'get', '/indexes-coverage', { access: 'admin' }, async (_req, container) => {
		container.indexes.invalidate();
		const all = await container.indexes.list();
		return { data: await Promise.all(all.map((index) => coverage(container, index))) };
	}, getContainer);

	route(router, 'post', '/indexes/:name/reindex', { access: 'admin', body: ReindexBody, status: 202 }, async (req, container) => {
		const index = await container.indexes.byName(req.params.name ?? '');
		if (isCollectionInactive(await container.host.getSchema(), index.collection)) throw collectionInactiveError(index.collection, `reindexing "${index.name}"`);
		const job = await container.queue.enqueue('reindex', { indexId: index.id, force: req.body.force });
		return { data: { job: job.id, queue: job.queue, index: index.name } };
	}, getContainer);

	route(router, 'post', '/search', { access: 'user', body: SearchBody, response: SearchResponse, summary: 'Search the indexes the caller may use (hybrid by default)' }, async (req, container) => {
		return runSearch(container, req, req.body);
	}, getContainer);

	route(router, 'post', '/search/hybrid', { access: 'user', body: SearchBody, response: SearchResponse, summary: 'Hybrid search (keyword engine and vectors, fused)' }, async (req, container) => {
		return runSearch(container, req, { ...req.body, mode: 'hybrid' });
	}, getContainer);

	route(router, 'get', '/related/:index/:item', { access: 'user', query: RelatedQuery, response: SearchResponse, summary: 'Items similar to one item' }, async (req, container) => {
		const access = container.indexResolver.callerAccess(req.accountability, req.schema);
		const index = (await container.indexResolver.resolve(req.accountability, [req.params.index ?? ''], req.schema, access)).at(0);
		if (!index) throw notFoundOrForbidden(`index "${req.params.index}"`);
		const item = req.params.item ?? '';
		const visible = await access.readItems(index.collection, [item], null);
		const row = visible.get(item);
		if (!row) throw notFoundOrForbidden(`item "${item}" of "${index.collection}"`);
		const text = relatedQueryText(index, row);
		if (!text) return { data: [], meta: { tookMs: 0 } };
		const started = Date.now();
		const hits = await container.search.search({
			query: text,
			indexes: [index],
			mode: 'semantic',
			limit: req.query.limit,
			filter: null,
			fields: req.query.fields,
			access,
			origin: req.origin,
			signal: req.signal,
			excludeItems: [{ collection: index.collection, item }],
		});
		return { data: hits, meta: { tookMs: Date.now() - started } };
	}, getContainer);
}

export async function runSearch(container: Container, req: MlRequest, body: SearchBody): Promise<{ data: unknown[]; meta: Record<string, unknown> }> {
	const started = Date.now();
	const { hits, indexes, reranked } = await container.callerSearch.search(
		{ accountability: req.accountability, schema: req.schema, origin: req.origin, signal: req.signal },
		{ query: body.query, indexes: body.indexes, mode: body.mode, rerank: body.rerank, limit: body.limit, filter: body.filter ?? null, fields: body.fields, minScore: body.minScore, fusion: body.fusion },
	);
	return { data: hits, meta: { mode: body.mode, reranked, keywordEngine: container.fullText?.engine ?? null, indexes: indexes.map((i) => i.name), tookMs: Date.now() - started } };
}
