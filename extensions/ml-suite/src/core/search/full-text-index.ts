/**
 * Full-text engine contract: one keyword index per search index, kept by the indexing pipeline
 * beside the vectors (same chunks, same item keys). Implementations: SQLite FTS5 with `bm25()`
 * (`sqlite-full-text-index.ts`) and PostgreSQL BM25 over postings the engine keeps
 * (`postgres-full-text-index.ts`). Both pass `full-text-index.conformance.ts`.
 */
export interface FullTextChunk {
	item: string;
	/** Chunk number within the item, the same as the vector record's `chunkIndex`. */
	chunk: number;
	/** Content field the chunk was cut from. */
	field: string;
	/** Position of the chunk within its field (0-based). */
	position: number;
	/** What is matched: the item's context fields followed by the chunk text. */
	text: string;
	/** The chunk text alone (returned as the passage). */
	content: string;
}

/** An item's whole text (context fields, then its content fields), for item-level ranking. */
export interface FullTextDocument {
	item: string;
	text: string;
}

export interface FullTextMatch {
	item: string;
	chunk: number;
	field: string;
	position: number;
	/** Engine relevance, higher is better (BM25 on both engines). */
	score: number;
	content: string;
}

export interface FullTextRanked {
	item: string;
	score: number;
}

export type FullTextPassage = Pick<FullTextMatch, 'chunk' | 'field' | 'position' | 'content'>;

/** A matching chunk with its analyzed terms, for scoring within a caller's readable set. */
export interface FullTextTerms {
	item: string;
	chunk: number;
	field: string;
	position: number;
	terms: string[];
	content: string;
}

export interface FullTextIndex {
	/** `sqlite-fts5` or `postgres`. */
	readonly engine: string;
	/**
	 * Whether scores depend on corpus statistics (BM25's IDF and average length). When they do,
	 * a caller who may not read every item and field of the collection is scored by the search
	 * service over what they may read (`matchAll`), never with statistics of hidden content.
	 */
	readonly corpusStatistics: boolean;
	/**
	 * Replaces every chunk of these items (items absent from `chunks` end up with none).
	 * `documents` holds each item's whole text (context fields and every content field, once),
	 * which is what engines rank; without it an item's text is its chunks' texts joined.
	 */
	replaceItems(indexId: string, items: readonly string[], chunks: readonly FullTextChunk[], documents?: readonly FullTextDocument[]): Promise<void>;
	/** Removes every chunk of these items. */
	removeItems(indexId: string, items: readonly string[]): Promise<void>;
	/** Removes the whole keyword index of a search index. No error if missing. */
	drop(indexId: string): Promise<void>;
	/**
	 * Matches of any term of the query, best first (ties by item, then chunk), exact over the
	 * whole index: `offset`/`limit` page through one fixed ranking. Engines rank whole items (an
	 * item cut into several chunks scores as the document it is: BM25 over the item's whole text
	 * on SQLite, BM25 over the item's postings on PostgreSQL) and return one match per
	 * item, with its chunk that best matches the query as the passage.
	 */
	search(indexId: string, query: string, page: { limit: number; offset?: number }): Promise<FullTextMatch[]>;
	/** The ranking of `search` without passages (the bare engine query): items best first, ties by item. */
	rank(indexId: string, query: string, page: { limit: number; offset?: number }): Promise<FullTextRanked[]>;
	/** The passage `search` gives each of these items for the query (items without chunks are absent). */
	passages(indexId: string, query: string, items: readonly string[]): Promise<Map<string, FullTextPassage>>;
	/** Every chunk matching any term of the query, unranked, with the terms it was indexed with and the query's terms. */
	matchAll(indexId: string, query: string): Promise<{ queryTerms: string[]; chunks: FullTextTerms[] }>;
	/** Chunks stored for the index. */
	count(indexId: string): Promise<number>;
}

export function byRankThenItem(a: FullTextRanked, b: FullTextRanked): number {
	return b.score - a.score || (a.item < b.item ? -1 : a.item > b.item ? 1 : 0);
}

export function byScoreThenKey(a: FullTextMatch, b: FullTextMatch): number {
	return b.score - a.score || (a.item < b.item ? -1 : a.item > b.item ? 1 : 0) || a.chunk - b.chunk;
}

/** `search` for every engine: rank items, then read the best passage of each ranked item. */
export async function rankWithPassages(
	engine: Pick<FullTextIndex, 'rank' | 'passages'>,
	indexId: string,
	query: string,
	page: { limit: number; offset?: number },
): Promise<FullTextMatch[]> {
	const ranked = await engine.rank(indexId, query, page);
	if (ranked.length === 0) return [];
	const passages = await engine.passages(indexId, query, ranked.map((r) => r.item));
	return ranked
		.filter((r) => passages.has(r.item))
		.map((r) => ({ item: r.item, ...passages.get(r.item)!, score: r.score }))
		.sort(byScoreThenKey);
}
