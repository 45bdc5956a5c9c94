import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Accountability } from '@directus/types';
import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddingService } from '../../../core/embeddings/embedding-service.js';
import { ForbiddenError, InvalidPayloadError } from '../../../core/errors.js';
import { namespaceOf, type IndexDefinition } from '../../../core/indexing/index-definition.js';
import { LocalEmbeddingModel } from '../../../core/providers/local-embedding-model.js';
import type { CallerAccess } from '../../../core/search/caller-access.js';
import { SearchService, type SearchRequest } from '../../../core/search/search-service.js';
import { EmbeddedVectorStore } from '../../../core/vector-stores/embedded-vector-store.js';
import { CallerSearch } from '../../caller-search.js';
import { runSemanticSearchOperation, type SemanticSearchOperationDeps } from './run-semantic-search-operation.js';
import { testIndex } from '../../../core/indexing/index-definition.fixtures.js';

type Row = Record<string, unknown>;

const CONTENT: Record<string, Row[]> = {
	articles: [
		{ id: 1, title: 'Sourdough', status: 'published', body: 'Sourdough bread needs a lively starter, long fermentation and a hot oven.' },
		{ id: 2, title: 'Heat pumps', status: 'published', body: 'A heat pump moves heat with a refrigerant cycle and a compressor.' },
		{ id: 3, title: 'Tardigrades', status: 'draft', body: 'Tardigrades, the water bears, survive radiation and the vacuum of space.' },
	],
	salaries: [{ id: 1, title: 'Payroll', body: 'Salary bands and payroll bonus for the bakery staff and the sourdough bakers.' }],
};

const index = (name: string, collection: string): IndexDefinition => testIndex(name, collection);
const INDEXES = [index('articles', 'articles'), index('salaries', 'salaries')];

const editor: Accountability = { user: 'u1', role: 'editor', roles: ['editor'], admin: false, app: true, ip: null };

/**
 * Stands in for Directus permissions: admins read everything, the editor role reads articles,
 * the public reads published articles only. Filters support `{field: {_eq}}`, enough for the test.
 */
class FakeAccess implements CallerAccess {
	constructor(private readonly who: Accountability) {}
	private rows(collection: string): Row[] {
		if (this.who.admin) return CONTENT[collection] ?? [];
		if (this.who.role === 'editor') return collection === 'articles' ? (CONTENT.articles ?? []) : [];
		return collection === 'articles' ? (CONTENT.articles ?? []).filter((r) => r.status === 'published') : [];
	}
	async canRead(collection: string): Promise<boolean> {
		return this.who.admin || collection === 'articles';
	}
	async primaryKey(): Promise<string> {
		return 'id';
	}
	async readItems(collection: string, keys: readonly string[], filter: Record<string, unknown> | null): Promise<Map<string, Row>> {
		const matches = (row: Row): boolean =>
			Object.entries(filter ?? {}).every(([field, rule]) => (rule as { _eq?: unknown })._eq === undefined || row[field] === (rule as { _eq?: unknown })._eq);
		return new Map(this.rows(collection).filter((row) => keys.includes(String(row.id)) && matches(row)).map((row) => [String(row.id), row]));
	}
}

describe('runSemanticSearchOperation', () => {
	const dir = mkdtempSync(join(tmpdir(), 'ml-op-search-'));
	const knex: Knex = knexFactory({ client: 'sqlite3', connection: { filename: join(dir, 'db.sqlite') }, useNullAsDefault: true });
	const store = new EmbeddedVectorStore({ knex });
	const model = { model: new LocalEmbeddingModel({ dimensions: 128 }), definition: { inputPricePerMillion: 0, outputPricePerMillion: 0 } };
	const embeddings = new EmbeddingService();
	const origin = { user: null, sourceType: 'flow' as const, source: 'flow:test' };
	const search = new SearchService({
		storeFor: () => store,
		embedQuery: async (_index, text) => (await embeddings.embed([text], { model, origin })).embeddings[0]!,
	});

	/** The container's caller search over the fake permissions, with no reranker and no model caps. */
	function callerSearch(searchService: Pick<SearchService, 'search'> = search): CallerSearch {
		return new CallerSearch({
			indexResolver: {
				callerAccess: (who) => Object.assign(new FakeAccess(who), { inactive: new Set<string>() }),
				async resolve(who, names, _schema, access = Object.assign(new FakeAccess(who), { inactive: new Set<string>() })) {
					const usable: IndexDefinition[] = [];
					for (const i of INDEXES) if (await access.canRead(i.collection)) usable.push(i);
					if (names) {
						const missing = names.find((n) => !usable.some((i) => i.name === n));
						if (missing) throw new ForbiddenError(`Index "${missing}" does not exist or you cannot read it.`);
						return usable.filter((i) => names.includes(i.name));
					}
					return usable;
				},
			},
			search: searchService,
			rerank: { forSearch: () => undefined },
			queryCaps: async () => null,
		});
	}

	function deps(accountability: Accountability | null, searchService?: Pick<SearchService, 'search'>): SemanticSearchOperationDeps {
		return { search: callerSearch(searchService), accountability, origin };
	}

	beforeAll(async () => {
		for (const def of INDEXES) {
			const rows = CONTENT[def.collection] ?? [];
			const vectors = (await embeddings.embed(rows.map((r) => String(r.body)), { model, origin })).embeddings;
			await store.ensureNamespace(namespaceOf(def), 128);
			await store.upsert(
				namespaceOf(def),
				rows.map((row, i) => ({ id: `${row.id}:0`, itemKey: String(row.id), chunkIndex: 0, vector: vectors[i]!, content: String(row.body), metadata: {} })),
			);
		}
	});
	afterAll(async () => {
		await store.close();
		await knex.destroy();
		rmSync(dir, { recursive: true, force: true });
	});

	it('finds the item about the query first, with its link and the requested fields', async () => {
		const result = await runSemanticSearchOperation({ query: 'water bears in the vacuum of space', indexes: 'articles', limit: '2', fields: 'title, status' }, deps(editor));
		expect(result.count).toBe(2);
		expect(result.data[0]).toMatchObject({ index: 'articles', collection: 'articles', item: '3', title: 'Tardigrades', link: '/admin/content/articles/3', data: { title: 'Tardigrades', status: 'draft' } });
		expect(result.meta).toMatchObject({ mode: 'hybrid', indexes: ['articles'] });
	});

	it('searches only the indexes the trigger user can read when none are named', async () => {
		const result = await runSemanticSearchOperation({ query: 'sourdough bakers payroll bonus', limit: 10 }, deps(editor));
		expect(result.meta.indexes).toEqual(['articles']);
		expect(result.data.map((h) => h.collection)).not.toContain('salaries');
		const full = await runSemanticSearchOperation({ query: 'sourdough bakers payroll bonus', limit: 10, permissions: '$full' }, deps(editor));
		expect(full.data[0]).toMatchObject({ collection: 'salaries', title: 'Payroll' });
	});

	it('applies the permissions option: $public sees published items only', async () => {
		const result = await runSemanticSearchOperation({ query: 'water bears in the vacuum of space', indexes: ['articles'], permissions: '$public' }, deps(editor));
		expect(result.data.map((h) => h.title)).not.toContain('Tardigrades');
		expect(result.data.length).toBe(2);
	});

	it('applies a JSON filter given as text', async () => {
		const result = await runSemanticSearchOperation({ query: 'water bears', indexes: 'articles', filter: '{"status":{"_eq":"published"}}' }, deps(null));
		expect(result.data.map((h) => h.item).sort()).toEqual(['1', '2']);
	});

	it('refuses a named index the caller cannot read, instead of returning nothing', async () => {
		await expect(runSemanticSearchOperation({ query: 'payroll', indexes: 'salaries' }, deps(editor))).rejects.toBeInstanceOf(ForbiddenError);
	});

	it('passes mode and defaults through to the search service', async () => {
		const seen: SearchRequest[] = [];
		const recording = { search: async (request: SearchRequest) => (seen.push(request), []) };
		const result = await runSemanticSearchOperation({ query: 'q', mode: 'hybrid', limit: '', filter: '', fields: null }, deps(editor, recording));
		expect(result).toMatchObject({ data: [], count: 0, meta: { mode: 'hybrid' } });
		expect(seen[0]).toMatchObject({ mode: 'hybrid', limit: 10, filter: null, fields: [] });
		expect(seen[0]?.indexes.map((i) => i.name)).toEqual(['articles']);
	});

	it('rejects bad options naming them', async () => {
		await expect(runSemanticSearchOperation({ query: ' ' }, deps(editor))).rejects.toThrow(/"query"/);
		await expect(runSemanticSearchOperation({ query: 'q', filter: '{oops' }, deps(editor))).rejects.toThrow(/"filter"/);
		await expect(runSemanticSearchOperation({ query: 'q', mode: 'fuzzy' }, deps(editor))).rejects.toBeInstanceOf(InvalidPayloadError);
		await expect(runSemanticSearchOperation({ query: 'q', limit: 500 }, deps(editor))).rejects.toThrow(/"limit"/);
	});
});
