import { createHash } from 'node:crypto';
import { chunkText } from '../text/chunk-text.js';
import { estimateTokens } from '../text/estimate-tokens.js';
import { htmlToText } from '../text/html-to-text.js';
import type { MetadataValue } from '../vector-stores/types.js';
import { toMetadataValue, type IndexDefinition } from './index-definition.js';
import { chunkTimedSegments, timedSegmentsOf, timedText, type TimedChunk } from './timed-segments.js';

export interface PreparedChunk {
	/** Number of the chunk within the item (unique per item; the vector record's chunkIndex). */
	chunkIndex: number;
	/** Content field the chunk was cut from. */
	field: string;
	/** Position of the chunk within its field. */
	position: number;
	content: string;
	tokenCount: number;
}

/** Bumped when the way documents are cut changes, so stored vectors are rebuilt. */
export const DOCUMENT_LAYOUT = 'per-field-chunks-1';

/** An item turned into what gets embedded. */
export interface PreparedDocument {
	item: string;
	title: string;
	/** Prepended to each chunk's embedding input (context fields), not stored as the passage. */
	contextPrefix: string;
	/**
	 * Chunks cut from each content field on its own (never across fields), so that a chunk's
	 * text, boundaries and position depend on one field only: search can then tell exactly which
	 * fields a chunk (and its vector) was built from. `chunkIndex` numbers them across the item.
	 */
	chunks: PreparedChunk[];
	/** The content fields' whole texts, in field order: what an item-level keyword ranking scores. */
	text: string;
	metadata: Record<string, MetadataValue>;
	/** Changes whenever anything that goes into the vectors changes. */
	contentHash: string;
}

function fieldText(value: unknown): string {
	if (value === null || value === undefined) return '';
	if (typeof value === 'string') return htmlToText(value);
	if (typeof value === 'number' || typeof value === 'boolean') return String(value);
	if (Array.isArray(value)) return value.map(fieldText).filter(Boolean).join(', ');
	return htmlToText(JSON.stringify(value));
}

export function prepareDocument(index: IndexDefinition, item: string, record: Record<string, unknown>, settingsHash: string): PreparedDocument {
	const title = index.titleField ? fieldText(record[index.titleField]) : '';
	const contextPrefix = index.contextFields
		.map((field) => fieldText(record[field]))
		.filter((text) => text.length > 0)
		.join('\n');
	const { size, overlap } = chunking(index, record);
	const chunks: PreparedChunk[] = [];
	const texts: string[] = [];
	// Time ranges of chunks cut from timed segments: they change what a hit links to, so they are hashed.
	const ranges: [string, number, number, number][] = [];
	for (const field of index.contentFields) {
		const timed = timedChunksOf(index, field, record);
		if (timed) {
			texts.push(timedText(timed.flatMap((chunk) => chunk.segments)));
			timed.forEach((chunk, position) => {
				chunks.push({ chunkIndex: chunks.length, field, position, content: chunk.content, tokenCount: estimateTokens(chunk.content) });
				ranges.push([field, position, chunk.start, chunk.end]);
			});
			continue;
		}
		const text = fieldText(record[field]);
		texts.push(text);
		chunkText(text, { size, overlap }).forEach((chunk, position) => {
			chunks.push({ chunkIndex: chunks.length, field, position, content: chunk.content, tokenCount: estimateTokens(chunk.content) });
		});
	}
	const metadata: Record<string, MetadataValue> = {};
	for (const field of index.metadataFields) metadata[field] = toMetadataValue(record[field]);
	const contentHash = createHash('sha256')
		.update(settingsHash)
		.update(`\u0000${DOCUMENT_LAYOUT}:${size}:${overlap}\u0000`)
		.update(title)
		.update('\u0000')
		.update(contextPrefix)
		.update('\u0000')
		.update(JSON.stringify(texts))
		.update('\u0000')
		.update(JSON.stringify(metadata))
		.update(ranges.length > 0 ? `\u0000${JSON.stringify(ranges)}` : '')
		.digest('hex');
	return { item, title: title || item, contextPrefix, chunks, text: texts.filter((t) => t.length > 0).join('\n\n'), metadata, contentHash };
}

/**
 * The text "related items" searches with: the item's context fields and the first chunk of its
 * content fields, taken only from `readable` (the item as the caller may read it), so a field
 * the caller cannot read never shapes what they are shown.
 */
export function relatedQueryText(index: IndexDefinition, readable: Record<string, unknown>): string {
	const present = (fields: string[]): string[] => fields.filter((field) => field in readable).map((field) => fieldText(readable[field])).filter((text) => text.length > 0);
	const body = present(index.contentFields).join('\n\n');
	const { size, overlap } = chunking(index, readable);
	const first = body ? (chunkText(body, { size, overlap })[0]?.content ?? '') : '';
	return [...present(index.contextFields), first].filter((text) => text.length > 0).join('\n');
}

/**
 * A content field that holds timed segments (a transcript's `segments`) is cut at segment
 * boundaries, so each chunk covers a known time range; null for any other value. Search cuts
 * the same way from the row the caller may read to tell a hit's time range.
 */
export function timedChunksOf(index: IndexDefinition, field: string, record: Record<string, unknown>): TimedChunk[] | null {
	const segments = timedSegmentsOf(record[field]);
	return segments ? chunkTimedSegments(segments, chunking(index, record).size) : null;
}

function chunking(index: IndexDefinition, record: Record<string, unknown>): { size: number; overlap: number } {
	if (!index.perItemChunking) return { size: index.chunkSize, overlap: index.chunkOverlap };
	const size = Number(record.chunk_size) >= 50 ? Number(record.chunk_size) : index.chunkSize;
	const overlapValue = record.chunk_overlap === null || record.chunk_overlap === undefined ? index.chunkOverlap : Number(record.chunk_overlap);
	return { size, overlap: Math.min(Math.max(0, overlapValue || 0), Math.floor(size / 2)) };
}

/** Fields an index reads from each item. */
export function indexedFields(index: IndexDefinition, primaryKey: string): string[] {
	return [
		...new Set([
			primaryKey,
			...(index.titleField ? [index.titleField] : []),
			...index.contentFields,
			...index.contextFields,
			...index.metadataFields,
			...(index.perItemChunking ? ['chunk_size', 'chunk_overlap'] : []),
		]),
	];
}

/** Fields a chunk's vector and keyword entry were built from: its own field and the context fields. */
export function chunkSourceFields(index: Pick<IndexDefinition, 'contextFields'>, field: string): string[] {
	return [...new Set([field, ...index.contextFields])];
}

/** The text sent to the embedding model (and the keyword engine) for one chunk. */
export function embeddingInput(doc: PreparedDocument, chunkContent: string): string {
	return doc.contextPrefix ? `${doc.contextPrefix}\n\n${chunkContent}` : chunkContent;
}
