import type { AbstractService } from '@directus/types';
import type { Router } from 'express';
import { z } from 'zod';
import { notFoundOrForbidden } from '../../core/errors.js';
import { RAG_DOCUMENTS_COLLECTION, RAG_DOCUMENTS_INDEX } from '../../core/indexing/index-definition.js';
import type { Container } from '../container.js';
import { parseInput, route, type MlRequest } from '../http.js';

/**
 * SynthStack-compatible document RAG routes. Documents are rows of `ml_rag_documents`, so they
 * get Directus permissions (admins, or roles granted access to that collection) and are indexed
 * by the same pipeline as any collection.
 */
const collectionName = z.string().trim().min(1).max(200).regex(/^[\w.:-]+$/, 'letters, digits, _ . : - only');

export const RagIndexBody = z.object({
	content: z.string().trim().min(1, 'must not be empty').max(2_000_000),
	source: z.string().trim().min(1).max(1000),
	sourceType: z.string().trim().max(100).optional(),
	metadata: z.record(z.string(), z.unknown()).optional(),
	collection: collectionName.default('default'),
});

export const RagIndexProjectDocumentBody = z.object({
	documentId: z.string().trim().min(1).max(255),
	projectId: z.string().trim().min(1).max(255),
	filename: z.string().trim().min(1).max(1000),
	content: z.string().trim().min(1, 'must not be empty').max(2_000_000),
	fileType: z.string().trim().min(1).max(100),
	chunkSize: z.number().int().min(100).max(10_000).default(1000),
	chunkOverlap: z.number().int().min(0).max(1000).default(200),
});

export const RagSearchBody = z.object({
	query: z.string().trim().min(1, 'must not be empty').max(4000),
	collection: collectionName.optional(),
	limit: z.number().int().min(1).max(100).default(5),
	/** Lowest cosine similarity of the semantic side. Default: none (rank-based; see README "minScore"). */
	minScore: z.number().min(-1).max(1).optional(),
	mode: z.enum(['semantic', 'keyword', 'hybrid']).default('hybrid'),
	sourceTypes: z.array(z.string().min(1)).max(50).optional(),
});

type Row = Record<string, unknown>;

function items(container: Container, req: MlRequest): Promise<AbstractService> {
	return container.host.getSchema().then(
		(schema) => new container.host.services.ItemsService(RAG_DOCUMENTS_COLLECTION, { schema, knex: container.host.database, accountability: req.accountability }),
	);
}

async function indexNow(container: Container, req: MlRequest, key: string): Promise<number> {
	const index = await container.indexes.byName(RAG_DOCUMENTS_INDEX);
	// The save's hook only noted the item (the coalescer records it within its window). Record it
	// now: its revision moves on, so a background job still working on the previous content sees it
	// is stale and does not write over what is indexed here.
	await container.changes.flush();
	return container.indexing.indexItemNow(index, key, { origin: req.origin, signal: req.signal });
}

export function registerRagIndexRoutes(router: Router, getContainer: () => Promise<Container>): void {
	route(router, 'post', '/rag/index', { access: 'user', body: RagIndexBody }, async (req, container) => {
		const service = await items(container, req as MlRequest);
		const key = await service.createOne({
			rag_collection: req.body.collection,
			source: req.body.source,
			source_type: req.body.sourceType ?? null,
			metadata: req.body.metadata ?? null,
			content: req.body.content,
		});
		const chunksCreated = await indexNow(container, req as MlRequest, String(key));
		return { documentId: String(key), source: req.body.source, collection: req.body.collection, chunksCreated };
	}, getContainer);

	route(router, 'post', '/rag/index-project-document', { access: 'user', body: RagIndexProjectDocumentBody }, async (req, container) => {
		const body = req.body;
		const collection = `project_${body.projectId}`;
		const service = await items(container, req as MlRequest);
		const data = {
			rag_collection: collection,
			document_id: body.documentId,
			project_id: body.projectId,
			filename: body.filename,
			file_type: body.fileType,
			source: body.filename,
			source_type: body.fileType,
			content: body.content,
			chunk_size: body.chunkSize,
			chunk_overlap: body.chunkOverlap,
		};
		// Re-sending a document replaces it (its old chunks go), as the original service did.
		const existing = await service.readByQuery({ fields: ['id'], filter: { rag_collection: { _eq: collection }, document_id: { _eq: body.documentId } }, limit: 1 });
		const key = existing[0] ? await service.updateOne(String(existing[0].id), data) : await service.createOne(data);
		const chunksCreated = await indexNow(container, req as MlRequest, String(key));
		return { documentId: body.documentId, chunksCreated, collection };
	}, getContainer);

	route(router, 'post', '/rag/search', { access: 'user', body: RagSearchBody }, async (req, container) => {
		const index = await container.indexes.byName(RAG_DOCUMENTS_INDEX);
		const filter: Row = {};
		if (req.body.collection) filter.rag_collection = { _eq: req.body.collection };
		if (req.body.sourceTypes) filter.source_type = { _in: req.body.sourceTypes };
		const hits = await container.search.search({
			query: req.body.query,
			indexes: [index],
			mode: req.body.mode,
			limit: req.body.limit,
			filter: Object.keys(filter).length > 0 ? filter : null,
			metadataFilter: req.body.collection ? { rag_collection: req.body.collection } : undefined,
			fields: ['source', 'source_type', 'metadata', 'rag_collection', 'document_id', 'filename'],
			minScore: req.body.minScore,
			access: container.indexResolver.callerAccess(req.accountability, req.schema),
			origin: req.origin,
			signal: req.signal,
		});
		const results = hits.map((hit) => ({
			content: hit.passage,
			source: hit.data.source ?? null,
			sourceType: hit.data.source_type ?? null,
			relevanceScore: hit.score,
			metadata: {
				...((hit.data.metadata as Row | null) ?? {}),
				documentId: hit.data.document_id ?? hit.item,
				collection: hit.data.rag_collection,
				chunkIndex: hit.chunkIndex,
			},
		}));
		return { results, totalFound: results.length };
	}, getContainer);

	route(router, 'get', '/rag/collections', { access: 'user' }, async (req, container) => {
		return { collections: await readableCollections(container, req as MlRequest) };
	}, getContainer);

	route(router, 'delete', '/rag/collections/:collection', { access: 'user' }, async (req, container) => {
		const name = parseInput(collectionName, req.params.collection, 'path');
		const service = await items(container, req as MlRequest);
		const rows = await service.readByQuery({ fields: ['id'], filter: { rag_collection: { _eq: name } }, limit: -1 });
		if (rows.length === 0) throw notFoundOrForbidden(`RAG collection "${name}"`);
		const keys = rows.map((row) => String(row.id));
		await service.deleteMany(keys);
		const index = await container.indexes.byName(RAG_DOCUMENTS_INDEX);
		await container.indexing.removeItems(index, keys);
		return { message: `Collection "${name}" deleted (${keys.length} documents)`, deleted: keys.length };
	}, getContainer);

	route(router, 'get', '/rag/stats', { access: 'user' }, async (req, container) => {
		// Documents are counted through ItemsService with the caller's accountability, so item
		// rules apply to the counts; chunk counts are summed over exactly those documents.
		const documents = await readableDocuments(container, req as MlRequest);
		const index = await container.indexes.byName(RAG_DOCUMENTS_INDEX);
		const states = await container.indexing.documents.get(index.id, documents.map((d) => d.id));
		const collections: Record<string, { vectorsCount: number; pointsCount: number; documentsCount: number }> = {};
		for (const doc of documents) {
			const entry = (collections[doc.collection] ??= { vectorsCount: 0, pointsCount: 0, documentsCount: 0 });
			const chunks = states.get(doc.id)?.chunkCount ?? 0;
			entry.documentsCount += 1;
			entry.vectorsCount += chunks;
			entry.pointsCount += chunks;
		}
		const names = Object.keys(collections).sort();
		return { totalCollections: names.length, collections, ...collections };
	}, getContainer);
}

/** The RAG documents the caller may read (id and RAG collection); none when the collection is not readable. */
async function readableDocuments(container: Container, req: MlRequest): Promise<{ id: string; collection: string }[]> {
	const service = await items(container, req);
	try {
		const rows = await service.readByQuery({ fields: ['id', 'rag_collection'], limit: -1 });
		return rows.map((row) => ({ id: String(row.id), collection: String(row.rag_collection) }));
	} catch (error) {
		if ((error as { status?: number }).status === 403) return [];
		throw error;
	}
}

async function readableCollections(container: Container, req: MlRequest): Promise<string[]> {
	return [...new Set((await readableDocuments(container, req)).map((doc) => doc.collection))].sort();
}
