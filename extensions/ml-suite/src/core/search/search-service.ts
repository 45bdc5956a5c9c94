import { setImmediate as nextTick } from 'node:timers/promises';
import { InvalidPayloadError, notFoundOrForbidden } from '../errors.js';
import { chunkSourceFields, timedChunksOf } from '../indexing/build-document.js';
import { bestSegment } from '../indexing/timed-segments.js';
import { namespaceOf, type IndexDefinition } from '../indexing/index-definition.js';
import type { CallOrigin } from '../usage/types.js';
import type { MetadataFilter, VectorStore } from '../vector-stores/types.js';
import { scoreBm25 } from './bm25.js';
import type { CallerAccess } from './caller-access.js';
import type { FullTextIndex } from './full-text-index.js';
import { defaultFusion, fuseRankings, type FusionOptions, type RankedEntry } from './fusion.js';
import type { Reranker, RerankResponse } from './reranker.js';
import { bestSnippet } from './snippet.js';

import type { MediaRange, SearchHit, SearchMode } from '../../shared/rag-types.js';

export type { MediaRange, SearchHit, SearchMode };

/** Directus collection of files (the media a timed index refers to). */
const FILES = 'directus_files';

export interface SearchRequest {
	query: string;
	indexes: IndexDefinition[];
	mode: SearchMode;
	limit: number;
	/** Directus filter on the items. */
	filter: Record<string, unknown> | null;
	/** Metadata filter evaluated in the vector store (cheap pre-filter). */
	metadataFilter?: MetadataFilter;
	/** Item fields to return in `data`. */
	fields: string[];
	/** Lowest cosine similarity a semantic candidate may have (semantic and hybrid modes). Default: none (rank-based). */
	minScore?: number;
	/** Hybrid fusion settings; unset fields take the index model's defaults (`defaultFusion`). */
	fusion?: Partial<FusionOptions>;
	access: CallerAccess;
	origin: CallOrigin;
	signal?: AbortSignal;
	/** Items to leave out (related items leave out the item itself). */
	excludeItems?: { collection: string; item: string }[];
	/**
	 * Optional second stage: the first `depth` hits (a constant, so results still do not depend
	 * on `limit` beyond truncation) are reordered by the reranker's score of their readable
	 * passages; the rest keep their order after them.
	 */
	rerank?: { reranker: Reranker; depth: number; onCall?(call: { response?: RerankResponse; error?: unknown; documents: number }): void };
}

export interface SearchDeps {
	storeFor(index: IndexDefinition): VectorStore;
	/** Embeds one query text with the index's model (cached). */
	embedQuery(index: IndexDefinition, text: string, origin: CallOrigin, signal?: AbortSignal): Promise<number[]>;
	/**
	 * Which model an index's queries are embedded with, after resolving defaults (an index that
	 * leaves its model unset and one naming the default model share it). Default: the index's
	 * `embeddingModel` as written.
	 */
	queryModelKey?(index: IndexDefinition): Promise<string>;
	/** The keyword engine (null on databases without one: hybrid is then semantic-only). */
	fullText?: FullTextIndex | null;
	/** Fusion defaults for an index (by its embedding model). Default: equal weights. */
	fusionDefaults?(index: IndexDefinition): Promise<FusionOptions>;
}

/** Largest candidate list fetched from a store or engine while looking for readable items. */
const MAX_FETCH = 4000;
/** Items re-read through Directus per call. */
const READ_BATCH = 500;

type Row = Record<string, unknown>;

interface ChunkRef {
	chunkIndex: number;
	field: string | null;
	position: number;
	content: string;
}

interface Candidate {
	item: string;
	score: number;
	/**
	 * The chunk shown. Null while unknown: keyword candidates of a caller whose rules hide nothing
	 * are ranked without passages (the bare engine ranking), and only the hits returned get one.
	 */
	chunk: ChunkRef | null;
}

/** Per index and request: what the caller may read, read once. */
class Readable {
	private readonly rows = new Map<string, Row | null>();
	/** Files the caller may read, as read for a timed index (their titles title its hits). */
	readonly files = new Map<string, Row>();
	constructor(
		readonly index: IndexDefinition,
		private readonly request: SearchRequest,
		/** Rules may hide items or fields: every candidate is checked before it can rank. */
		readonly restricted: boolean,
		private readonly excluded: ReadonlySet<string>,
	) {}

	/**
	 * Without rules that hide anything and without a filter, every indexed item is readable and
	 * ranking needs no reads; rows are read for the final hits only.
	 */
	get rankWithoutReads(): boolean {
		return !this.restricted && this.request.filter === null;
	}

	async load(keys: Iterable<string>): Promise<void> {
		const missing = [...new Set(keys)].filter((k) => !this.rows.has(k) && !this.excluded.has(k));
		for (let i = 0; i < missing.length; i += READ_BATCH) {
			const part = missing.slice(i, i + READ_BATCH);
			const found = await this.request.access.readItems(this.index.collection, part, this.request.filter, this.restricted ? undefined : this.shownFields);
			const mediaField = this.index.mediaField;
			if (mediaField) {
				// Timed speech is as private as its file: an item counts only if the caller may read the field naming the file and the file itself.
				const files = [...new Set([...found.values()].map((row) => mediaFileOf(row, mediaField)).filter((id): id is string => id !== null))];
				const readableFiles = files.length > 0 && (await this.request.access.canRead(FILES)) ? await this.request.access.readItems(FILES, files, null) : new Map<string, Row>();
				for (const [id, file] of readableFiles) this.files.set(id, file);
				for (const [key, row] of found) {
					const file = mediaFileOf(row, mediaField);
					if (file === null || !readableFiles.has(file)) found.delete(key);
				}
			}
			for (const key of part) this.rows.set(key, found.get(key) ?? null);
		}
	}

	/**
	 * The fields a hit shows, for a caller who may read every field (rows then need no more; a
	 * timed index also cuts its media ranges from the content fields).
	 */
	private get shownFields(): string[] {
		const { titleField, mediaField, contentFields } = this.index;
		return [...new Set([...(titleField ? [titleField] : []), ...this.request.fields, ...(mediaField ? [mediaField, ...contentFields] : [])])];
	}

	get excludedCount(): number {
		return this.excluded.size;
	}

	row(key: string): Row | null {
		return this.rows.get(key) ?? null;
	}

	/** Whether `chunk` of `item` may take part in ranking for this caller (unless rules may hide fields, any chunk of a readable item may, even one not known yet). */
	eligible(item: string, chunk: ChunkRef | null): boolean {
		if (this.excluded.has(item)) return false;
		if (this.rankWithoutReads) return true;
		const row = this.rows.get(item);
		if (!row) return false;
		if (!this.restricted) return true;
		if (!chunk) return false;
		const sources = chunk.field === null ? [...this.index.contentFields, ...this.index.contextFields] : chunkSourceFields(this.index, chunk.field);
		return sources.every((field) => field in row);
	}
}

/**
 * Semantic, keyword and hybrid search with Directus permissions.
 *
 * Ranking uses only what the caller may read. Candidates from each engine are checked against
 * the caller's item and field rules before they rank, fusion runs after that, and a chunk only
 * counts if the caller may read every field it was built from (its content field and the
 * index's context fields, which are mixed into its vector and keyword entry). Keyword scores
 * that depend on corpus statistics (FTS5's BM25) are recomputed for callers with rules, with
 * statistics from the readable matches only. So two databases that differ only in content a
 * caller cannot read give that caller the same hits, ranks, scores and chunk positions.
 */
export class SearchService {
	constructor(private readonly deps: SearchDeps) {}

	get fullTextEngine(): string | null {
		return this.deps.fullText?.engine ?? null;
	}

	async search(request: SearchRequest): Promise<SearchHit[]> {
		if (request.mode === 'keyword' && !this.deps.fullText) {
			throw new InvalidPayloadError('Keyword search needs SQLite or PostgreSQL as the Directus database.', { field: 'mode' });
		}
		// Indexes that share a model share the query vector: one embedding call per model, not per index.
		const vectors = new Map<string, Promise<number[]>>();
		const embed = async (index: IndexDefinition): Promise<number[]> => {
			const key = this.deps.queryModelKey ? await this.deps.queryModelKey(index) : (index.embeddingModel ?? '');
			let vector = vectors.get(key);
			if (!vector) {
				vector = this.deps.embedQuery(index, request.query, request.origin, request.signal);
				vectors.set(key, vector);
			}
			return vector;
		};
		const perIndex = await Promise.all(request.indexes.map((index) => this.searchIndex(index, request, embed)));
		const merged = perIndex.flat().sort((a, b) => b.candidate.score - a.candidate.score || compareKeys(a.index.name, b.index.name) || compareKeys(a.candidate.item, b.candidate.item));
		const top = merged.slice(0, Math.max(request.limit, request.rerank?.depth ?? 0));
		// The keyword engine's passages and the rows of items that ranked without reads (callers
		// whose rules hide nothing) are read at the same time; a failure of the passages is the one
		// reported when both fail, as when they were read one after the other.
		const rows = async (): Promise<void> => {
			for (const readable of new Set(top.map((t) => t.readable))) {
				if (readable.rankWithoutReads) await readable.load(top.filter((t) => t.readable === readable).map((t) => t.candidate.item));
			}
		};
		const [passages, loaded] = await Promise.allSettled([this.fillPassages(top, request), rows()]);
		if (passages.status === 'rejected') throw passages.reason;
		if (loaded.status === 'rejected') throw loaded.reason;
		const hits: SearchHit[] = [];
		for (const { index, candidate, readable } of top) {
			const row = readable.row(candidate.item);
			if (row) hits.push(this.toHit(index, candidate, row, request, await request.access.primaryKey(index.collection), readable));
		}
		return (request.rerank ? await this.rerank(hits, request, request.rerank) : hits).slice(0, request.limit);
	}

	/** Gives the hits ranked without a passage the one the keyword engine chooses for them. */
	private async fillPassages(top: { index: IndexDefinition; candidate: Candidate }[], request: SearchRequest): Promise<void> {
		const missing = new Map<IndexDefinition, Candidate[]>();
		for (const { index, candidate } of top) if (!candidate.chunk) missing.set(index, [...(missing.get(index) ?? []), candidate]);
		for (const [index, candidates] of missing) {
			const passages = await this.deps.fullText!.passages(index.id, request.query, candidates.map((c) => c.item));
			for (const candidate of candidates) {
				const p = passages.get(candidate.item);
				candidate.chunk = p ? { chunkIndex: p.chunk, field: p.field, position: p.position, content: p.content } : { chunkIndex: 0, field: null, position: 0, content: '' };
			}
		}
	}

	private async rerank(hits: SearchHit[], request: SearchRequest, rerank: NonNullable<SearchRequest['rerank']>): Promise<SearchHit[]> {
		const head = hits.slice(0, rerank.depth);
		if (head.length === 0) return hits;
		// Only what the caller may read: the title and passage as shown to them.
		const documents = head.map((hit) => (hit.passage ? `${hit.title}\n${hit.passage}` : hit.title));
		let response: RerankResponse;
		try {
			response = await rerank.reranker.rerank(request.query, documents, { topN: documents.length, signal: request.signal });
		} catch (error) {
			rerank.onCall?.({ error, documents: documents.length });
			throw error;
		}
		rerank.onCall?.({ response, documents: documents.length });
		const seen = new Set<number>();
		const reordered: SearchHit[] = [];
		for (const r of response.results) {
			if (seen.has(r.index)) continue;
			seen.add(r.index);
			reordered.push({ ...head[r.index]!, score: r.score });
		}
		// Hits the reranker did not return keep their order after the reranked ones.
		head.forEach((hit, i) => {
			if (!seen.has(i)) reordered.push(hit);
		});
		return [...reordered, ...hits.slice(rerank.depth)];
	}

	private async searchIndex(index: IndexDefinition, request: SearchRequest, embed: (index: IndexDefinition) => Promise<number[]>): Promise<{ index: IndexDefinition; candidate: Candidate; readable: Readable }[]> {
		if (!(await request.access.canRead(index.collection))) {
			throw notFoundOrForbidden(`index "${index.name}"`);
		}
		const restrictedBy = async (collection: string): Promise<boolean> => (request.access.restrictions ? (await request.access.restrictions(collection)).restricted : true);
		// A timed index's items are also hidden by the rules on the files they refer to.
		const restricted = (await restrictedBy(index.collection)) || (index.mediaField ? await restrictedBy(FILES) : false);
		const excluded = new Set((request.excludeItems ?? []).filter((e) => e.collection === index.collection).map((e) => e.item));
		const readable = new Readable(index, request, restricted, excluded);
		const fullText = this.deps.fullText ?? null;
		// Hits kept per index: the limit, or the rerank depth when reranking looks further.
		const want = Math.max(request.limit, request.rerank?.depth ?? 0);
		let list: Candidate[];
		if (request.mode === 'semantic' || (request.mode === 'hybrid' && !fullText)) {
			list = await this.semanticList(index, request, readable, want, embed);
		} else if (request.mode === 'keyword') {
			list = await this.keywordList(index, request, readable, fullText!, want, true);
		} else {
			const fusion: FusionOptions = { ...(await this.deps.fusionDefaults?.(index)) ?? defaultFusion('default'), ...request.fusion };
			const depth = Math.max(want, fusion.depth);
			// The keyword query is sent first: it runs in the database (a PostgreSQL process, or
			// SQLite's worker thread) while the semantic side embeds the query and scans vectors here.
			const keywordSide = fusion.keywordWeight === 0 ? Promise.resolve([]) : this.keywordList(index, request, readable, fullText!, depth, false);
			const semanticSide = fusion.semanticWeight === 0 ? Promise.resolve([]) : this.semanticList(index, request, readable, depth, embed);
			const [semantic, keyword] = await Promise.all([semanticSide, keywordSide]);
			await nextTick();
			const toEntries = (candidates: Candidate[]): RankedEntry<Candidate>[] => candidates.map((c) => ({ key: c.item, score: c.score, value: c }));
			const semanticBest = new Map(semantic.map((c) => [c.item, c]));
			list = fuseRankings(toEntries(semantic), toEntries(keyword), fusion).map((entry) => ({
				item: entry.key,
				score: entry.score,
				// The passage shown is the item's best semantic chunk, else its best keyword chunk.
				chunk: semanticBest.get(entry.key)?.chunk ?? entry.value.chunk,
			}));
		}
		return list.slice(0, want).map((candidate) => ({ index, candidate, readable }));
	}

	/** Readable items best first by their best eligible chunk's cosine similarity. */
	private async semanticList(index: IndexDefinition, request: SearchRequest, readable: Readable, depth: number, embed: (index: IndexDefinition) => Promise<number[]>): Promise<Candidate[]> {
		const vector = await embed(index);
		const store = this.deps.storeFor(index);
		let fetch = Math.min(MAX_FETCH, depth * 2 + 10);
		for (;;) {
			request.signal?.throwIfAborted();
			// One match per item where the store can (the embedded store), so an item's chunks do not
			// crowd the list and force refetches; not when rules may hide fields, where an item's
			// best chunk may be unreadable and its next one must be able to rank.
			const matches = await store.query(namespaceOf(index), { vector, limit: fetch, filter: request.metadataFilter, minScore: request.minScore, perItem: !readable.restricted });
			if (!readable.rankWithoutReads) await readable.load(matches.map((m) => m.itemKey));
			const accepted = new Map<string, Candidate>();
			for (const m of matches) {
				if (accepted.has(m.itemKey)) continue;
				const chunk = chunkOf(m.chunkIndex, m.metadata, m.content);
				if (readable.eligible(m.itemKey, chunk)) accepted.set(m.itemKey, { item: m.itemKey, score: m.score, chunk });
				if (accepted.size >= depth) break;
			}
			if (accepted.size >= depth || matches.length < fetch || fetch >= MAX_FETCH) return [...accepted.values()];
			fetch = Math.min(MAX_FETCH, fetch * 4);
		}
	}

	/**
	 * Readable items best first by their best eligible chunk's keyword score. `passages`: the
	 * candidates will be shown as they are (keyword mode), so they come with their passages.
	 */
	private async keywordList(index: IndexDefinition, request: SearchRequest, readable: Readable, fullText: FullTextIndex, depth: number, passages: boolean): Promise<Candidate[]> {
		if (readable.restricted && fullText.corpusStatistics) return this.rescoredKeywordList(index, request, readable, fullText, depth);
		if (readable.rankWithoutReads) {
			// Every ranked item is readable (only excluded items drop out), so one page of
			// `depth` plus the excluded is exactly enough; with passages, ranking and passages come
			// in one engine call.
			const limit = depth + readable.excludedCount;
			const matches: Candidate[] = passages
				? (await fullText.search(index.id, request.query, { limit })).map((m) => ({ item: m.item, score: m.score, chunk: { chunkIndex: m.chunk, field: m.field, position: m.position, content: m.content } }))
				: (await fullText.rank(index.id, request.query, { limit })).map((m) => ({ ...m, chunk: null }));
			return matches.filter((m) => readable.eligible(m.item, m.chunk)).slice(0, depth);
		}
		const accepted = new Map<string, Candidate>();
		let offset = 0;
		let page = Math.min(MAX_FETCH, depth * 2 + 10);
		for (;;) {
			request.signal?.throwIfAborted();
			// Without rules that may hide fields, eligibility does not depend on the chunk: rank on the
			// bare engine ranking, passages come for the returned hits only (fillPassages).
			const matches: { item: string; score: number; chunk: ChunkRef | null }[] = readable.restricted
				? (await fullText.search(index.id, request.query, { limit: page, offset })).map((m) => ({ item: m.item, score: m.score, chunk: { chunkIndex: m.chunk, field: m.field, position: m.position, content: m.content } }))
				: (await fullText.rank(index.id, request.query, { limit: page, offset })).map((m) => ({ ...m, chunk: null }));
			if (!readable.rankWithoutReads) await readable.load(matches.map((m) => m.item));
			for (const m of matches) {
				if (accepted.has(m.item)) continue;
				if (readable.eligible(m.item, m.chunk)) accepted.set(m.item, { item: m.item, score: m.score, chunk: m.chunk });
				if (accepted.size >= depth) break;
			}
			offset += matches.length;
			if (accepted.size >= depth || matches.length < page || offset >= MAX_FETCH * 4) return [...accepted.values()];
			page = Math.min(MAX_FETCH, page * 4);
		}
	}

	/**
	 * BM25 for a caller with rules: every chunk matching the query is checked against the
	 * caller's rules first, and the statistics (document count, frequencies, lengths) come from
	 * the readable matches only, so hidden content cannot move a score.
	 */
	private async rescoredKeywordList(index: IndexDefinition, request: SearchRequest, readable: Readable, fullText: FullTextIndex, depth: number): Promise<Candidate[]> {
		const { queryTerms, chunks } = await fullText.matchAll(index.id, request.query);
		await readable.load(chunks.map((c) => c.item));
		request.signal?.throwIfAborted();
		const eligible = chunks.filter((c) => readable.eligible(c.item, { chunkIndex: c.chunk, field: c.field, position: c.position, content: c.content }));
		const scored = await scoreBm25(queryTerms, eligible);
		const best = new Map<string, Candidate>();
		for (const { document: c, score } of scored) {
			const current = best.get(c.item);
			if (!current || score > current.score || (score === current.score && c.chunk < current.chunk!.chunkIndex)) {
				best.set(c.item, { item: c.item, score, chunk: { chunkIndex: c.chunk, field: c.field, position: c.position, content: c.content } });
			}
		}
		return [...best.values()].sort((a, b) => b.score - a.score || compareKeys(a.item, b.item)).slice(0, depth);
	}

	/** `row` holds exactly the fields the caller may read; passages only come from those. */
	private toHit(index: IndexDefinition, candidate: Candidate, row: Row, request: SearchRequest, pk: string, readable: Readable): SearchHit {
		// Without a title field, a timed index's hits take their file's title (as the caller may read it).
		const mediaFile = index.mediaField ? mediaFileOf(row, index.mediaField) : null;
		const fileRow = mediaFile ? readable.files.get(mediaFile) : undefined;
		const titleValue = index.titleField ? row[index.titleField] : (fileRow?.title ?? fileRow?.filename_download);
		const title = typeof titleValue === 'string' && titleValue.trim() ? titleValue : String(row[pk] ?? candidate.item);
		const chunk = candidate.chunk ?? { chunkIndex: 0, field: null, position: 0, content: '' };
		const sources = chunk.field === null ? index.contentFields : [chunk.field];
		// A caller who may read every field may read the chunk (their row holds only the fields shown).
		const chunkReadable = !readable.restricted || sources.every((field) => field in row);
		let snippet = '';
		let passage = '';
		if (chunkReadable) {
			snippet = bestSnippet(chunk.content, request.query, undefined, { plain: true });
			passage = chunk.content;
		} else {
			const readableText = index.contentFields
				.filter((field) => typeof row[field] === 'string')
				.map((field) => row[field] as string)
				.join('\n\n');
			snippet = readableText ? bestSnippet(readableText, request.query) : '';
			passage = snippet;
		}
		const data: Record<string, unknown> = {};
		for (const field of request.fields) if (field in row) data[field] = row[field];
		const media = chunkReadable && chunk.field !== null ? mediaRangeOf(index, row, chunk.field, chunk.position, request.query) : null;
		return {
			index: index.name,
			collection: index.collection,
			item: candidate.item,
			title,
			score: candidate.score,
			snippet,
			passage,
			chunkIndex: chunkReadable ? chunk.position : 0,
			field: chunkReadable ? chunk.field : null,
			link: media ? `/admin/files/${encodeURIComponent(media.file)}?t=${media.start}` : `/admin/content/${index.collection}/${encodeURIComponent(candidate.item)}`,
			data,
			...(media ? { media } : {}),
		};
	}
}

/** The file id a row's media field names (a key, or a related row read with its key), or null. */
function mediaFileOf(row: Row, field: string): string | null {
	const value = row[field];
	if (typeof value === 'string' && value) return value;
	if (value && typeof value === 'object' && typeof (value as Row).id === 'string') return (value as Row).id as string;
	return null;
}

/** Where a timed chunk was said, cut again from the row as the caller reads it (null for untimed chunks). */
function mediaRangeOf(index: IndexDefinition, row: Row, field: string, position: number, query: string): MediaRange | null {
	if (!index.mediaField) return null;
	const file = mediaFileOf(row, index.mediaField);
	const chunk = file ? timedChunksOf(index, field, row)?.[position] : undefined;
	if (!file || !chunk) return null;
	const segment = bestSegment(chunk, query);
	const seconds = (n: number): number => Math.round(n * 1000) / 1000;
	const start = seconds(segment.start);
	const end = seconds(segment.end);
	return { file, start, end, chunkStart: seconds(chunk.start), chunkEnd: seconds(chunk.end), asset: `/assets/${encodeURIComponent(file)}#t=${start},${end}` };
}

/** A vector match's chunk: field and position come from the record metadata (records written before per-field chunks have none). */
function chunkOf(chunkIndex: number, metadata: Record<string, unknown>, content: string): ChunkRef {
	const field = typeof metadata._field === 'string' ? metadata._field : null;
	const position = typeof metadata._position === 'number' ? metadata._position : chunkIndex;
	return { chunkIndex, field, position, content };
}

function compareKeys(a: string, b: string): number {
	return a < b ? -1 : a > b ? 1 : 0;
}

/** Every named index must be among `found` (active and readable); else Directus's uniform 403. */
export function assertIndexesFound(names: readonly string[], found: readonly IndexDefinition[]): void {
	const known = new Set(found.map((i) => i.name));
	const missing = names.filter((n) => !known.has(n));
	if (missing.length > 0) throw notFoundOrForbidden(missing.length === 1 ? `index "${missing[0]}"` : `indexes ${missing.map((n) => `"${n}"`).join(', ')}`);
}
