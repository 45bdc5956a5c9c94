/**
 * Vector store contract. Implementations: `embedded` (Directus database, exact cosine),
 * `pgvector` (HNSW on Postgres), `qdrant`. All pass `vector-store.conformance.ts`.
 *
 * A namespace holds vectors of one dimension (one per index / RAG collection). Records are
 * chunks of an item: `(namespace, itemKey, chunkIndex)` is unique, so upserting an item's
 * chunks twice leaves the same state.
 */
export type MetadataValue = string | number | boolean | null;

export interface VectorRecord {
	/** Stable id of the chunk, unique within the namespace (e.g. `articles:12:0`). */
	id: string;
	/** Key of the item the chunk belongs to (e.g. `12`). */
	itemKey: string;
	/** Position of the chunk within the item. */
	chunkIndex: number;
	vector: number[];
	/** The chunk text (stored so search can return passages). */
	content: string;
	/** Flat metadata usable in filters. */
	metadata: Record<string, MetadataValue>;
}

/**
 * Metadata filter: every key must match. A scalar means equality, an array means "one of",
 * `{ ne }` means not equal, `{ gte, lte, gt, lt }` compare numbers.
 */
export type MetadataFilter = Record<
	string,
	MetadataValue | MetadataValue[] | { ne?: MetadataValue; gt?: number; gte?: number; lt?: number; lte?: number }
>;

export interface VectorQuery {
	vector: number[];
	/** Most results to return. */
	limit: number;
	filter?: MetadataFilter;
	/** Restrict to these item keys. */
	itemKeys?: string[];
	/** Drop results scoring below this cosine similarity. */
	minScore?: number;
	/**
	 * Hint: the caller wants items, so one match per item (its best chunk) with `limit` counting
	 * items is enough. Stores that support it (the embedded store) return that; others may return
	 * several chunks of an item, and callers must still handle that.
	 */
	perItem?: boolean;
}

export interface VectorMatch {
	id: string;
	itemKey: string;
	chunkIndex: number;
	/** Cosine similarity, -1..1 (1 = same direction). */
	score: number;
	content: string;
	metadata: Record<string, MetadataValue>;
}

export interface NamespaceInfo {
	name: string;
	dimensions: number;
	count: number;
}

export interface VectorStore {
	/** `embedded`, `pgvector` or `qdrant`. */
	readonly kind: string;
	/** Creates the namespace if missing. Throws if it exists with other dimensions. */
	ensureNamespace(namespace: string, dimensions: number): Promise<void>;
	/** Inserts or replaces records by id. */
	upsert(namespace: string, records: readonly VectorRecord[]): Promise<void>;
	/** Removes every chunk of these items. */
	deleteByItem(namespace: string, itemKeys: readonly string[]): Promise<void>;
	/** Removes chunks of an item whose chunkIndex >= `fromChunk` (shrinking documents). */
	deleteChunksFrom(namespace: string, itemKey: string, fromChunk: number): Promise<void>;
	/** Nearest neighbours by cosine similarity, best first. */
	query(namespace: string, query: VectorQuery): Promise<VectorMatch[]>;
	/** Number of records in the namespace (0 if missing). */
	count(namespace: string): Promise<number>;
	listNamespaces(): Promise<NamespaceInfo[]>;
	/** Drops the namespace and all its records. No error if missing. */
	dropNamespace(namespace: string): Promise<void>;
	/** Cheap readiness probe. */
	health(): Promise<{ ok: boolean; message?: string }>;
	/** Releases connections. */
	close(): Promise<void>;
}
