import type { Knex } from 'knex';
import { EmbeddingService } from '../../extensions/ml-suite/src/core/embeddings/embedding-service.js';
import type { IndexDefinition } from '../../extensions/ml-suite/src/core/indexing/index-definition.js';
import { LocalEmbeddingModel } from '../../extensions/ml-suite/src/core/providers/local-embedding-model.js';
import type { FullTextIndex } from '../../extensions/ml-suite/src/core/search/full-text-index.js';
import { SearchService, type SearchRequest } from '../../extensions/ml-suite/src/core/search/search-service.js';
import type { VectorRecord, VectorStore } from '../../extensions/ml-suite/src/core/vector-stores/types.js';
import { generateItems, prose, Vocabulary } from './corpus.js';
import { createIndex, createItemsTable, createSuiteTables, openSqlite, SqliteItems } from './database.js';
import { seededRandom } from './stats.js';
import { ClusteredVectors } from './vectors.js';

export const DIMENSIONS = 384;
export const NAMESPACE = 'idx_articles';
const CHUNKS_PER_ITEM = 5;
const UPSERT_BATCH = 1000;

export interface SearchFixture {
	knex: Knex;
	index: IndexDefinition;
	access: SqliteItems;
	items: number;
	chunks: number;
	vectors: ClusteredVectors;
	/**
	 * Writes chunks `from..to` (default: all) into `store` through `store.upsert` in batches of
	 * 1,000; returns the milliseconds taken. The same chunk always gets the same vector and text.
	 */
	load(store: VectorStore, options?: { namespace?: string; from?: number; to?: number }): Promise<number>;
	/** The text of chunk `c` (what `load` and `loadFullText` write for it). */
	chunkText(c: number): string;
	/** Writes every chunk's text into a keyword index (items whole, in batches of 1,000 chunks); returns the milliseconds the writes took (generating the batches is not counted). */
	loadFullText(fullText: FullTextIndex): Promise<number>;
	/** `count` query texts with the synthetic vectors that stand for their embeddings. */
	queries(count: number, seed: number): { text: string; vector: number[] }[];
	/**
	 * A SearchService over `store`. Its query embedding runs the local model on the query text
	 * through EmbeddingService (so the real embedding cost is paid), then uses the query's
	 * synthetic vector, which lives in the same space as the stored ones.
	 */
	searchService(store: VectorStore, queryVectors: Map<string, number[]>, fullText?: FullTextIndex | null): SearchService;
	request(query: string, overrides?: Partial<SearchRequest>): SearchRequest;
	close(): Promise<void>;
}

/**
 * 100,000 chunks (5 per item) of generated prose with clustered 384-d vectors, over an items
 * table in a SQLite file that the caller's re-read queries.
 */
export async function buildSearchFixture(name: string, chunks: number): Promise<SearchFixture> {
	const db = openSqlite(name);
	const knex = db.knex;
	await createSuiteTables(knex);
	const vocab = new Vocabulary();
	const itemCount = Math.ceil(chunks / CHUNKS_PER_ITEM);
	const items = generateItems(itemCount, 7, vocab);
	await createItemsTable(knex, 'articles', items);
	const index = await createIndex(knex, 'articles', 'articles');
	const access = new SqliteItems(knex);
	const vectors = new ClusteredVectors(DIMENSIONS, 400);
	const clusterOf = (item: number): number => (item * 2654435761) % 400;

	/** Chunk `c`: the same vector, text and metadata every time, in any store. */
	function record(c: number): VectorRecord {
		const random = seededRandom(11 + c);
		const normal = ClusteredVectors.source(7919 * (c + 1));
		const item = items[Math.floor(c / CHUNKS_PER_ITEM)]!;
		const chunkIndex = c % CHUNKS_PER_ITEM;
		return {
			id: `${item.id}:${chunkIndex}`,
			itemKey: String(item.id),
			chunkIndex,
			vector: vectors.near(clusterOf(item.id), normal),
			content: prose(vocab, random, Number(item.category.slice(6)), 400 + Math.floor(random() * 500)),
			metadata: { category: item.category, _title: item.title, _field: 'body', _position: chunkIndex },
		};
	}

	async function load(store: VectorStore, options: { namespace?: string; from?: number; to?: number } = {}): Promise<number> {
		const namespace = options.namespace ?? NAMESPACE;
		const from = options.from ?? 0;
		const to = Math.min(chunks, options.to ?? chunks);
		await store.ensureNamespace(namespace, DIMENSIONS);
		const started = performance.now();
		let batch: VectorRecord[] = [];
		for (let c = from; c < to; c++) {
			batch.push(record(c));
			if (batch.length === UPSERT_BATCH) {
				await store.upsert(namespace, batch);
				batch = [];
			}
		}
		if (batch.length > 0) await store.upsert(namespace, batch);
		return performance.now() - started;
	}

	async function loadFullText(fullText: FullTextIndex): Promise<number> {
		let spent = 0;
		for (let first = 0; first < chunks; first += UPSERT_BATCH) {
			// Generating a batch (its texts and the vectors `record` also draws) is the fixture's cost, not the engine's: only the write is timed.
			const batch = Array.from({ length: Math.min(UPSERT_BATCH, chunks - first) }, (_, i) => record(first + i));
			const items = [...new Set(batch.map((r) => r.itemKey))];
			const rows = batch.map((r) => ({ item: r.itemKey, chunk: r.chunkIndex, field: 'body', position: r.chunkIndex, text: r.content, content: r.content }));
			const started = performance.now();
			await fullText.replaceItems(index.id, items, rows);
			spent += performance.now() - started;
		}
		return spent;
	}

	function queries(count: number, seed: number): { text: string; vector: number[] }[] {
		const random = seededRandom(seed);
		const normal = ClusteredVectors.source(seed + 1);
		return Array.from({ length: count }, (_, i) => {
			const cluster = Math.floor(random() * 400);
			return { text: `q${i} ${prose(vocab, random, cluster, 60)}`, vector: vectors.near(cluster, normal) };
		});
	}

	const model = new LocalEmbeddingModel();
	// No cache: every query pays the embedder, as a new question would.
	const embeddings = new EmbeddingService({ cache: null });
	const resolved = { model, definition: { inputPricePerMillion: 0, outputPricePerMillion: 0 } };

	function searchService(store: VectorStore, queryVectors: Map<string, number[]>, fullText: FullTextIndex | null = null): SearchService {
		return new SearchService({
			fullText,
			storeFor: () => store,
			async embedQuery(_index, text, origin, signal) {
				await embeddings.embed([text], { model: resolved, origin, signal });
				const vector = queryVectors.get(text);
				if (!vector) throw new Error(`No synthetic vector for query "${text}".`);
				return vector;
			},
		});
	}

	function request(query: string, overrides: Partial<SearchRequest> = {}): SearchRequest {
		return {
			query,
			indexes: [index],
			mode: 'semantic',
			limit: 10,
			filter: null,
			fields: ['title', 'category'],
			access,
			origin: { user: 'bench-user', sourceType: 'route', source: 'route:POST /ml/search' },
			...overrides,
		};
	}

	return { knex, index, access, items: itemCount, chunks, vectors, load, chunkText: (c) => record(c).content, loadFullText, queries, searchService, request, close: () => db.remove() };
}
