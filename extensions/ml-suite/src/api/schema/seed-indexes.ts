import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { RAG_DOCUMENTS_COLLECTION, RAG_DOCUMENTS_INDEX, TRANSCRIPTS_COLLECTION, TRANSCRIPTS_INDEX } from '../../core/indexing/index-definition.js';

interface IndexSeed {
	name: string;
	label: string;
	collection: string;
	/** '' = none (titles fall back to the primary key, or for transcripts the file's title). */
	title_field: string;
	content_fields: string;
	context_fields: string;
	metadata_fields: string;
	filter?: Record<string, unknown> | null;
}

/** The index behind the SynthStack-compatible /ml/rag routes; always present. */
const RAG_INDEX: IndexSeed = {
	name: RAG_DOCUMENTS_INDEX,
	label: 'RAG documents (/ml/rag)',
	collection: RAG_DOCUMENTS_COLLECTION,
	title_field: 'source',
	content_fields: 'content',
	context_fields: '',
	metadata_fields: 'rag_collection,source_type,project_id',
};

/**
 * Completed transcripts (`ml_transcripts`), searchable by what was said: the `segments` field is
 * cut at segment boundaries, so every hit carries the file and the seconds it was said at, and
 * only callers who may read the file see it. Always present; empty until a transcript completes.
 */
const TRANSCRIPTS_INDEX_SEED: IndexSeed = {
	name: TRANSCRIPTS_INDEX,
	label: 'Transcripts (what was said in audio and video files)',
	collection: TRANSCRIPTS_COLLECTION,
	title_field: '',
	content_fields: 'segments',
	context_fields: '',
	metadata_fields: 'language',
	filter: { status: { _eq: 'completed' } },
};

/** Indexes over the demo collections, created with the demo content. */
export const DEMO_INDEXES: IndexSeed[] = [
	{
		name: 'articles',
		label: 'Articles',
		collection: 'articles',
		title_field: 'title',
		content_fields: 'body',
		context_fields: 'title,summary',
		metadata_fields: 'category,status,author',
	},
	{
		name: 'tasks',
		label: 'Tasks',
		collection: 'tasks',
		title_field: 'title',
		content_fields: 'description',
		context_fields: 'title',
		metadata_fields: 'issue_type,priority,status',
	},
];

/** Inserts index rows that do not exist yet (by name). Returns the names created. */
export async function seedIndexes(db: Knex, seeds: IndexSeed[], defaults: { chunkSize: number; chunkOverlap: number }): Promise<string[]> {
	const created: string[] = [];
	for (const seed of seeds) {
		const exists = await db('ml_indexes').where('name', seed.name).first();
		if (exists) continue;
		const stamp = new Date().toISOString();
		await db('ml_indexes')
			.insert({
				id: randomUUID(),
				status: 'active',
				vector_store: 'default',
				chunk_size: defaults.chunkSize,
				chunk_overlap: defaults.chunkOverlap,
				...seed,
				filter: seed.filter ? JSON.stringify(seed.filter) : null,
				date_created: stamp,
				date_updated: stamp,
			})
			.onConflict('name')
			.ignore();
		created.push(seed.name);
	}
	return created;
}

/** The built-in indexes: RAG documents (/ml/rag) and transcripts. */
export function seedRagIndex(db: Knex, defaults: { chunkSize: number; chunkOverlap: number }): Promise<string[]> {
	return seedIndexes(db, [RAG_INDEX, TRANSCRIPTS_INDEX_SEED], defaults);
}
