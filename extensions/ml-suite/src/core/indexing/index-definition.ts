import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { MetadataValue } from '../vector-stores/types.js';

/** One row of `ml_indexes`: which collection is indexed, and how. */
export interface IndexDefinition {
	id: string;
	name: string;
	label: string;
	status: 'active' | 'paused' | 'archived';
	collection: string;
	/** Field used as the title of results and citations (falls back to the primary key). */
	titleField: string | null;
	/** Main text fields: chunked and embedded. */
	contentFields: string[];
	/** Short fields prepended to every chunk for context. */
	contextFields: string[];
	/** Fields copied to the vector store for filtering. */
	metadataFields: string[];
	/** Directus filter selecting the items that are indexed (null = all). */
	filter: Record<string, unknown> | null;
	chunkSize: number;
	chunkOverlap: number;
	/** ml_models id, or null for the default embedding model. */
	embeddingModel: string | null;
	vectorStore: 'default' | 'embedded' | 'pgvector' | 'qdrant';
	/** Hash of the settings the stored vectors were built with. */
	settingsHash: string | null;
	/**
	 * Items may carry their own `chunk_size` / `chunk_overlap` fields that override the index's
	 * (the SynthStack-compatible RAG documents do). Default: false.
	 */
	perItemChunking?: boolean;
	/**
	 * Field naming the `directus_files` row whose audio or video the item's timed chunks refer to
	 * (the transcripts index: `file`). Its hits carry the file and the time range, link to the file
	 * at that second, and are only shown to callers who may read that file. Default: none.
	 */
	mediaField?: string | null;
}

const csv = z.preprocess((v) => {
	if (v === null || v === undefined || v === '') return [];
	if (Array.isArray(v)) return v;
	if (typeof v === 'string') return v.split(',');
	return v;
}, z.array(z.string().trim()).transform((list) => list.filter((s) => s.length > 0)));

const jsonObject = z.preprocess((v) => {
	if (v === null || v === undefined || v === '') return null;
	if (typeof v === 'string') {
		try {
			return JSON.parse(v) as unknown;
		} catch {
			return v;
		}
	}
	return v;
}, z.record(z.string(), z.unknown()).nullable());

/** Parses a raw `ml_indexes` row (as read with knex or ItemsService). */
export const IndexRow = z.object({
	id: z.string(),
	name: z.string().min(1),
	label: z.string().nullish(),
	status: z.enum(['active', 'paused', 'archived']).nullish(),
	collection: z.string().min(1),
	title_field: z.string().nullish(),
	content_fields: csv,
	context_fields: csv,
	metadata_fields: csv,
	filter: jsonObject,
	chunk_size: z.coerce.number().int().min(50).max(50_000).nullish(),
	chunk_overlap: z.coerce.number().int().min(0).max(20_000).nullish(),
	embedding_model: z.string().nullish(),
	vector_store: z.enum(['default', 'embedded', 'pgvector', 'qdrant']).nullish(),
	settings_hash: z.string().nullish(),
});

export function parseIndexRow(row: unknown, defaults: { chunkSize: number; chunkOverlap: number }): IndexDefinition {
	const r = IndexRow.parse(row);
	const chunkSize = r.chunk_size ?? defaults.chunkSize;
	return {
		id: r.id,
		name: r.name,
		label: r.label ?? r.name,
		status: r.status ?? 'active',
		collection: r.collection,
		titleField: r.title_field ?? null,
		contentFields: r.content_fields,
		contextFields: r.context_fields,
		metadataFields: r.metadata_fields,
		filter: r.filter,
		chunkSize,
		chunkOverlap: Math.min(r.chunk_overlap ?? defaults.chunkOverlap, Math.floor(chunkSize / 2)),
		embeddingModel: r.embedding_model ?? null,
		vectorStore: r.vector_store ?? 'default',
		settingsHash: r.settings_hash ?? null,
		perItemChunking: r.collection === RAG_DOCUMENTS_COLLECTION,
		mediaField: r.collection === TRANSCRIPTS_COLLECTION ? 'file' : null,
	};
}

/**
 * Hash of everything that changes the vectors an item gets. When it changes, every document
 * of the index is stale and must be re-embedded.
 */
export function computeSettingsHash(index: IndexDefinition, model: { key: string; dimensions: number }): string {
	const material = JSON.stringify({
		model: model.key,
		dimensions: model.dimensions,
		content: index.contentFields,
		context: index.contextFields,
		metadata: index.metadataFields,
		title: index.titleField,
		chunkSize: index.chunkSize,
		chunkOverlap: index.chunkOverlap,
		// Chunks are cut per content field (chunk-level field permissions) and mirrored in the keyword index.
		layout: 'per-field-chunks+fulltext',
	});
	return createHash('sha256').update(material).digest('hex').slice(0, 32);
}

/** The collection behind the SynthStack-compatible `/ml/rag/*` routes, and its index. */
export const RAG_DOCUMENTS_COLLECTION = 'ml_rag_documents';
export const RAG_DOCUMENTS_INDEX = 'rag-documents';

/** Timed transcripts of files (`ml_transcripts`), and the built-in index that makes them searchable. */
export const TRANSCRIPTS_COLLECTION = 'ml_transcripts';
export const TRANSCRIPTS_INDEX = 'transcripts';

/** Vector-store namespace of an index. */
export function namespaceOf(index: Pick<IndexDefinition, 'name'>): string {
	return `idx_${index.name}`;
}

/** Metadata values are flattened to scalars the stores can filter on. */
export function toMetadataValue(value: unknown): MetadataValue {
	if (value === null || value === undefined) return null;
	if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
	if (value instanceof Date) return value.toISOString();
	if (typeof value === 'object' && 'id' in (value as Record<string, unknown>)) return toMetadataValue((value as Record<string, unknown>).id);
	return JSON.stringify(value);
}
