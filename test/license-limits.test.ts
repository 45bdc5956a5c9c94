import { randomUUID } from 'node:crypto';
import knexFactory from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollection, eventually } from './support/content.js';
import { DIRECTUS_MAJOR, freshSqliteFile, startDirectus, type DirectusInstance } from './support/directus.js';

/**
 * Directus 12 without a license key runs the Core plan (25 collections, 5 active flows, 3 app
 * seats). Over those limits it locks the project: its own item routes answer
 * RESOURCE_RESTRICTED to everyone, admins included. The suite's routes must do the same, and
 * the limits the suite runs into (collections at start-up, inactive collections, hidden item
 * and field rules) must read as clear messages.
 */
describe.runIf(DIRECTUS_MAJOR >= 12)(`license lock and Core limits on Directus ${DIRECTUS_MAJOR}`, () => {
	let directus: DirectusInstance;
	let dbFile: string;
	let articleId: string;

	async function withDb<T>(fn: (db: ReturnType<typeof knexFactory>) => Promise<T>): Promise<T> {
		const db = knexFactory({ client: 'sqlite3', connection: { filename: dbFile }, useNullAsDefault: true });
		try {
			return await fn(db);
		} finally {
			await db.destroy();
		}
	}

	const health = async (): Promise<any> => (await directus.request('GET', '/ml/health')).body.services.directus;

	beforeAll(async () => {
		dbFile = (await freshSqliteFile('license')).file;
		directus = await startDirectus({ sqliteFile: dbFile });
		await createCollection(directus, 'articles', { title: 'string', body: 'text' });
		const index = await directus.request('POST', '/items/ml_indexes', { body: { name: 'articles', collection: 'articles', title_field: 'title', content_fields: ['body'] } });
		expect(index.status, index.text).toBe(200);
		const item = await directus.request('POST', '/items/articles', { body: { title: 'Night trains', body: 'Night trains carry sleeping cars across Europe.' } });
		articleId = String(item.body.data.id);
		await eventually(async () => (await directus.request('GET', '/ml/indexes/articles/coverage')).body.data?.documents.indexed === 1, 30_000, 'article indexed');
	});
	afterAll(async () => {
		await directus?.stop();
	});

	it('reports the version and Core plan usage in /ml/health', async () => {
		const check = await health();
		expect(check.status, JSON.stringify(check)).toBe('ok');
		expect(check.message).toMatch(/^Directus 12\.\d+\.\d+, license active$/);
		expect(check.usage.collections.limit).toBe(25);
		expect(check.usage.flows).toEqual({ used: 0, limit: 5 });
		expect(check.customPermissionRules).toBe(false);
	});

	it('explains an inactive collection instead of answering a misleading 403', async () => {
		const off = await directus.request('PATCH', '/collections/articles', { body: { meta: { status: 'inactive' } } });
		expect(off.status, off.text).toBe(200);
		try {
			const search = await directus.request('POST', '/ml/search', { body: { query: 'night trains', indexes: ['articles'] } });
			expect(search.status).toBe(409);
			expect(search.body.errors[0]).toMatchObject({ extensions: { code: 'COLLECTION_INACTIVE', collection: 'articles' } });
			expect(search.body.errors[0].message).toMatch(/"articles" is inactive.*re-activate it in Settings → Data Model/);
			const reindex = await directus.request('POST', '/ml/indexes/articles/reindex', { body: {} });
			expect(reindex.status).toBe(409);
			expect(reindex.body.errors[0].message).toMatch(/reindexing "articles" is not possible/);
			const check = await health();
			expect(check.status).toBe('error');
			expect(check.inactiveIndexes).toEqual(['articles (articles)']);
			expect(check.message).toMatch(/indexes over inactive collections cannot be searched or reindexed: articles/);
			// Without naming it, the inactive collection's index is left out rather than failing everything.
			const all = await directus.request('POST', '/ml/search', { body: { query: 'night trains' } });
			expect(all.status).toBe(200);
		} finally {
			const on = await directus.request('PATCH', '/collections/articles', { body: { meta: { status: 'active' } } });
			expect(on.status, on.text).toBe(200);
		}
		expect((await directus.request('POST', '/ml/search', { body: { query: 'night trains', indexes: ['articles'] } })).status).toBe(200);
	});

	it('names item- and field-level rules the Core plan hides', async () => {
		// Core refuses creating such rules; rows from an upgraded 11 project exist (the harness writes them directly).
		await directus.createUser({ email: 'hidden-rule@example.com', permissions: [{ collection: 'articles', action: 'read', fields: ['title'], permissions: { title: { _nnull: true } } }] });
		const check = await health();
		expect(check.hiddenRules).toEqual([{ collection: 'articles', rules: 1 }]);
		expect(check.message).toMatch(/the plan hides item- and field-level permission rules, and "articles" has 1/);
	});

	it('refuses every /ml route that touches items with Directus\'s own error while the project is locked', async () => {
		const spec = (await directus.request('GET', '/ml/openapi.json')).body;
		await directus.stop();
		// Six active flows: one over the Core limit of five. Written directly, as an admin
		// cannot create them through the API once at the limit.
		await withDb((db) => db('directus_flows').insert(Array.from({ length: 6 }, (_, i) => ({ id: randomUUID(), name: `flow ${i}`, status: 'active', trigger: 'manual', accountability: 'all' }))));
		directus = await startDirectus({ sqliteFile: dbFile });

		const own = await directus.request('GET', '/items/articles');
		expect(own.status, 'Directus locks its own item routes').toBe(403);
		const expected = own.body.errors[0];
		expect(expected).toMatchObject({ message: 'items is a restricted resource.', extensions: { code: 'RESOURCE_RESTRICTED' } });

		const guarded: string[] = [];
		for (const [path, operations] of Object.entries(spec.paths as Record<string, Record<string, any>>)) {
			for (const [method, operation] of Object.entries(operations)) {
				if (operation['x-served-while-locked'] !== false) continue;
				const concrete = path.replace(/^\/ml/, '/ml').replace(/\{[^}]+\}/g, (name) => (name === '{item}' ? articleId : 'articles'));
				const res = await directus.request(method.toUpperCase(), concrete, { body: method === 'get' || method === 'delete' ? undefined : {} });
				expect(res.status, `${method.toUpperCase()} ${concrete}: ${res.text}`).toBe(403);
				expect(res.body.errors[0], `${method.toUpperCase()} ${concrete}`).toEqual(expected);
				guarded.push(`${method} ${path}`);
			}
		}
		for (const route of ['post /ml/search', 'post /ml/ask', 'post /ml/rag/search', 'post /ml/rag/index', 'get /ml/related/{index}/{item}']) expect(guarded).toContain(route);
		// Health stays up and says why.
		const check = await health();
		expect(check.status).toBe('error');
		expect(check.message).toMatch(/the project is locked by its license \(flows: 6 of 5\)/);

		// Resolving the limits as Directus asks (deactivating a flow) unlocks the suite too.
		const flows = await directus.request('GET', '/flows?fields=id&limit=1');
		const fixed = await directus.request('PATCH', `/flows/${flows.body.data[0].id}`, { body: { status: 'inactive' } });
		expect(fixed.status, fixed.text).toBe(200);
		await eventually(async () => (await directus.request('GET', '/items/articles')).status === 200, 10_000, 'Directus to unlock');
		const search = await directus.request('POST', '/ml/search', { body: { query: 'night trains', indexes: ['articles'] } });
		expect(search.status, search.text).toBe(200);
		expect(search.body.data[0].item).toBe(articleId);
	});
});

describe.runIf(DIRECTUS_MAJOR >= 12)(`the suite's schema step at the Core collection limit on Directus ${DIRECTUS_MAJOR}`, () => {
	let directus: DirectusInstance | undefined;
	afterAll(async () => {
		await directus?.stop();
	});

	it('reports LIMIT_EXCEEDED in /ml/health naming the collections it could not create', async () => {
		const { file } = await freshSqliteFile('limit');
		directus = await startDirectus({ sqliteFile: file, env: { ML_APPLY_SCHEMA: 'false' } });
		for (let i = 0; i < 24; i++) await createCollection(directus, `content_${i}`, { title: 'string' });
		await directus.stop();
		directus = await startDirectus({ sqliteFile: file });
		const res = await directus.request('GET', '/ml/health');
		const schema = res.body.services.schema;
		expect(schema.status).toBe('error');
		expect(schema.message).toMatch(/Directus refused to create the collection "ml_\w+".*limit.*Still missing: ml_\w+.*Free collections .* or add a license key/);
	});
});
