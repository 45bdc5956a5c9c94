import { embeddingInput, indexedFields, prepareDocument } from '../indexing/build-document.js';
import type { IndexDefinition } from '../indexing/index-definition.js';
import type { ItemSource } from '../indexing/item-source.js';
import type { VectorRecord, VectorStore } from '../vector-stores/types.js';

export interface CandidateVectorsDeps {
	items: ItemSource;
	store: VectorStore;
	/** Embeds with the candidate model, in input order (batching, caching and usage behind it). */
	embed(texts: string[], signal?: AbortSignal): Promise<number[][]>;
	/** The candidate model's dimensions. */
	dimensions: number;
}

export interface CandidateVectorsOptions {
	signal?: AbortSignal;
	/** Items read and embedded per step. Default: 200. */
	pageSize?: number;
	onProgress?: (done: number, total: number) => Promise<void> | void;
}

/**
 * Embeds an index's items with another model into a namespace of their own, chunked exactly as
 * the index chunks them (same fields, filter and chunking), so a run can compare models on the
 * same content without touching the index users search. The namespace is started afresh;
 * remote models' vectors come from the embedding cache when the same chunks were embedded before.
 */
export async function buildCandidateVectors(
	index: IndexDefinition,
	namespace: string,
	deps: CandidateVectorsDeps,
	options: CandidateVectorsOptions = {},
): Promise<{ items: number; chunks: number }> {
	const pageSize = options.pageSize ?? 200;
	await deps.store.dropNamespace(namespace);
	await deps.store.ensureNamespace(namespace, deps.dimensions);
	const pk = await deps.items.primaryKey(index.collection);
	const fields = indexedFields(index, pk);
	const total = await deps.items.count(index.collection, null);
	let seen = 0;
	let items = 0;
	let chunks = 0;
	for (let offset = 0; ; offset += pageSize) {
		options.signal?.throwIfAborted();
		const keys = await deps.items.listKeys(index.collection, { offset, limit: pageSize });
		if (keys.length === 0) break;
		seen += keys.length;
		const records = await deps.items.read(index.collection, keys, fields);
		const matching = index.filter ? await deps.items.matching(index.collection, [...records.keys()], index.filter) : null;
		const docs = [...records.entries()]
			.filter(([key]) => matching === null || matching.has(key))
			.map(([key, record]) => prepareDocument(index, key, record, 'evaluation'))
			.filter((doc) => doc.chunks.length > 0);
		const inputs = docs.flatMap((doc) => doc.chunks.map((chunk) => embeddingInput(doc, chunk.content)));
		if (inputs.length > 0) {
			const vectors = await deps.embed(inputs, options.signal);
			const batch: VectorRecord[] = [];
			let v = 0;
			for (const doc of docs) {
				for (const chunk of doc.chunks) {
					const vector = vectors[v++];
					if (!vector) throw new Error('The embedding model returned fewer vectors than inputs.');
					batch.push({ id: `${doc.item}:${chunk.chunkIndex}`, itemKey: doc.item, chunkIndex: chunk.chunkIndex, vector, content: chunk.content, metadata: { ...doc.metadata, _title: doc.title } });
				}
			}
			await deps.store.upsert(namespace, batch);
			items += docs.length;
			chunks += batch.length;
		}
		await options.onProgress?.(seen, Math.max(total, seen));
		if (keys.length < pageSize) break;
	}
	return { items, chunks };
}
