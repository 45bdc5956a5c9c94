import { randomUUID } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddingService } from '../embeddings/embedding-service.js';
import { parseIndexRow, type IndexDefinition } from '../indexing/index-definition.js';
import { createIndexingTables } from '../indexing/indexing-tables.fixtures.js';
import { IndexingService } from '../indexing/indexing-service.js';
import { MemoryItemSource } from '../indexing/memory-item-source.fixtures.js';
import { LocalEmbeddingModel } from '../providers/local-embedding-model.js';
import { EmbeddedVectorStore } from '../vector-stores/embedded-vector-store.js';
import type { CallerAccess } from './caller-access.js';
import { SearchService, type SearchDeps } from './search-service.js';

const origin = { user: null, sourceType: 'cli' as const, source: 'cli:test' };
type Row = Record<string, unknown>;

/**
 * A caller with item- and field-level rules, enforced the way Directus does: hidden items are
 * absent, hidden fields are missing from rows.
 */
class RuleAccess implements CallerAccess {
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
	async readItems(collection: string, keys: readonly string[], filter: Record<string, unknown> | null): Promise<Map<string, Row>> {
		this.reads.push(keys.length);
		const all = await this.source.read(collection, keys, ['id', 'title', 'body', 'secret', 'team']);
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

describe('SearchService', () => {
	let db: Knex;
	let items: MemoryItemSource;
	let search: SearchService;
	let deps: SearchDeps;
	let index: IndexDefinition;

	beforeAll(async () => {
		db = knexFactory({ client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
		await createIndexingTables(db);
		items = new MemoryItemSource();
		const store = new EmbeddedVectorStore({ knex: db });
		const model = new LocalEmbeddingModel({ dimensions: 256 });
		const embeddings = new EmbeddingService({});
		const resolved = { model, definition: { inputPricePerMillion: 0, outputPricePerMillion: 0 } };
		const embed = async (texts: string[]): Promise<number[][]> => (await embeddings.embed(texts, { model: resolved, origin })).embeddings;
		index = parseIndexRow(
			{ id: randomUUID(), name: 'kb', collection: 'kb', title_field: 'title', content_fields: 'body', chunk_size: 500, chunk_overlap: 0 },
			{ chunkSize: 500, chunkOverlap: 0 },
		);
		const indexing = new IndexingService({ db, items, storeFor: () => store, resolveModel: async () => ({ key: 'local', dimensions: 256 }), embed: (_i, texts) => embed(texts) });
		deps = { db, storeFor: () => store, embedQuery: async (_i, text) => (await embed([text]))[0]! };
		search = new SearchService(deps);
		// 30 team-red items that match the query best, then 5 team-blue items that match less well.
		for (let i = 0; i < 30; i++) items.set('kb', `r${i}`, { title: `Red ${i}`, team: 'red', secret: `red secret ${i}`, body: `Volcano eruption lava magma crater number ${i}.` });
		for (let i = 0; i < 5; i++) items.set('kb', `b${i}`, { title: `Blue ${i}`, team: 'blue', secret: `blue secret ${i}`, body: `Volcano trip notes ${i}: we hiked near a crater and ate lunch.` });
		await indexing.reindex(index, { origin });
	});
	afterAll(async () => {
		await db.destroy();
	});

	const run = (access: CallerAccess, overrides: Partial<Parameters<SearchService['search']>[0]> = {}) =>
		search.search({ query: 'volcano lava magma crater eruption', indexes: [index], mode: 'semantic', limit: 3, filter: null, fields: ['title', 'secret'], access, origin, ...overrides });

	it('over-fetches past unreadable items so the limit is still met', async () => {
		const access = new RuleAccess(items, { canRead: true, item: (row) => row.team === 'blue' });
		const hits = await run(access);
		expect(hits).toHaveLength(3);
		expect(hits.every((h) => h.title.startsWith('Blue'))).toBe(true);
		// The first candidate page was all red: more pages were read.
		expect(access.reads.length).toBeGreaterThan(1);
	});

	it('ranks readable items by score and returns requested fields only when readable', async () => {
		const full = await run(new RuleAccess(items, { canRead: true }));
		expect(full.every((h) => h.title.startsWith('Red'))).toBe(true);
		for (let i = 1; i < full.length; i++) expect(full[i - 1]!.score).toBeGreaterThanOrEqual(full[i]!.score);
		expect(full[0]!.data.secret).toMatch(/^red secret/);
		expect(full[0]!.passage).toContain('Volcano eruption');

		const restricted = await run(new RuleAccess(items, { canRead: true, fields: ['id', 'title'] }));
		expect(restricted).toHaveLength(3);
		for (const hit of restricted) {
			expect(hit.data).toEqual({ title: hit.title });
			// body is not readable: no passage from it, even though the store holds the chunk text
			expect(hit.snippet).toBe('');
			expect(hit.passage).toBe('');
		}
	});

	it('applies the Directus filter through the caller access and refuses unreadable collections', async () => {
		const hits = await run(new RuleAccess(items, { canRead: true }), { filter: { team: { _eq: 'blue' } }, limit: 10 });
		expect(hits.map((h) => h.item).sort()).toEqual(['b0', 'b1', 'b2', 'b3', 'b4']);
		await expect(run(new RuleAccess(items, { canRead: false }))).rejects.toMatchObject({ status: 403 });
	});

	it('returns fewer than the limit when fewer items are readable, without looping', async () => {
		const hits = await run(new RuleAccess(items, { canRead: true, item: (row) => row.id === 'b3' }), { limit: 5 });
		expect(hits.map((h) => h.item)).toEqual(['b3']);
	});

	it('embeds the query once per model, however many indexes share it', async () => {
		const calls: string[] = [];
		const counting = new SearchService({
			...deps,
			embedQuery: async (i, text, o) => {
				calls.push(i.embeddingModel ?? 'default');
				return deps.embedQuery(i, text, o);
			},
		});
		const twin = { ...index, name: 'kb-2' };
		const third = { ...index, name: 'kb-3' };
		const hits = await counting.search({ query: 'volcano', indexes: [index, twin, third], mode: 'semantic', limit: 3, filter: null, fields: [], access: new RuleAccess(items, { canRead: true }), origin });
		expect(hits.length).toBeGreaterThan(0);
		expect(calls).toEqual(['default']);
	});
});
