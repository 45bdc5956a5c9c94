import { randomUUID } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { EmbeddingService } from '../embeddings/embedding-service.js';
import { parseIndexRow, type IndexDefinition } from '../indexing/index-definition.js';
import { IndexingService } from '../indexing/indexing-service.js';
import { createIndexingTables } from '../indexing/indexing-tables.fixtures.js';
import { MemoryItemSource } from '../indexing/memory-item-source.fixtures.js';
import { LocalEmbeddingModel } from '../providers/local-embedding-model.js';
import { EmbeddedVectorStore } from '../vector-stores/embedded-vector-store.js';
import type { CallerAccess } from './caller-access.js';
import type { FullTextIndex } from './full-text-index.js';
import { defaultFusion } from './fusion.js';
import { SearchService, type SearchDeps } from './search-service.js';
import { SqliteFullTextIndex } from './sqlite-full-text-index.js';

type Row = Record<string, unknown>;
export const origin = { user: null, sourceType: 'cli' as const, source: 'cli:test' };

/**
 * A caller with item- and field-level rules, enforced the way Directus does: hidden items are
 * absent, hidden fields are missing from rows, and the rules (not the data) say whether
 * anything may be hidden.
 */
export class RuleAccess implements CallerAccess {
	readonly reads: number[] = [];
	constructor(
		private readonly source: MemoryItemSource,
		private readonly rules: { canRead: boolean; item?: (row: Row) => boolean; fields?: string[] },
	) {}
	async canRead(): Promise<boolean> {
		return this.rules.canRead;
	}
	async primaryKey(): Promise<string> {
		return 'id';
	}
	async restrictions(): Promise<{ restricted: boolean }> {
		return { restricted: Boolean(this.rules.item || this.rules.fields) };
	}
	async readItems(collection: string, keys: readonly string[], filter: Record<string, unknown> | null): Promise<Map<string, Row>> {
		this.reads.push(keys.length);
		const all = await this.source.read(collection, keys, ['id', 'title', 'status', 'summary', 'body', 'notes', 'secret', 'team']);
		const matching = filter ? await this.source.matching(collection, keys, filter) : null;
		const out = new Map<string, Row>();
		for (const [key, row] of all) {
			if (matching && !matching.has(key)) continue;
			if (this.rules.item && !this.rules.item(row)) continue;
			const fields = this.rules.fields;
			out.set(key, fields ? Object.fromEntries(Object.entries(row).filter(([f]) => fields.includes(f))) : row);
		}
		return out;
	}
}

export interface SearchWorld {
	db: Knex;
	items: MemoryItemSource;
	index: IndexDefinition;
	indexing: IndexingService;
	search: SearchService;
	deps: SearchDeps;
	fullText: FullTextIndex;
	close(): Promise<void>;
}

/** A database, vector store, keyword index and search service over in-memory items (SQLite in memory, local embedder). */
export async function buildSearchWorld(indexRow: Row, options: { fullText?: (db: Knex) => FullTextIndex } = {}): Promise<SearchWorld> {
	const db = knexFactory({ client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
	await createIndexingTables(db);
	const items = new MemoryItemSource();
	const store = new EmbeddedVectorStore({ knex: db });
	const fullText = options.fullText?.(db) ?? new SqliteFullTextIndex({ knex: db });
	const model = new LocalEmbeddingModel({ dimensions: 256 });
	const embeddings = new EmbeddingService({});
	const resolved = { model, definition: { inputPricePerMillion: 0, outputPricePerMillion: 0 } };
	const embed = async (texts: string[]): Promise<number[][]> => (await embeddings.embed(texts, { model: resolved, origin })).embeddings;
	const index = parseIndexRow({ id: randomUUID(), chunk_size: 500, chunk_overlap: 0, ...indexRow }, { chunkSize: 500, chunkOverlap: 0 });
	const indexing = new IndexingService({ db, items, fullText, storeFor: () => store, resolveModel: async () => ({ key: 'local', dimensions: 256 }), embed: (_i, texts) => embed(texts) });
	const deps: SearchDeps = { fullText, storeFor: () => store, embedQuery: async (_i, text) => (await embed([text]))[0]!, fusionDefaults: async () => defaultFusion('local') };
	const search = new SearchService(deps);
	return { db, items, index, indexing, search, deps, fullText, close: () => db.destroy() };
}
