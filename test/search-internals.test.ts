import knexFactory from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollection, eventually } from './support/content.js';
import { freshSqliteFile, startDirectus, type DirectusInstance } from './support/directus.js';

/**
 * Issue 9 on a real Directus (SQLite, the embedded default): the keyword engine's per-index
 * FTS5 tables stay out of Directus's schema (when created, and after a restart), and hybrid
 * search at limit 100 over a few thousand chunks never makes Directus's pressure limiter answer
 * 503 to a single sequential client.
 */
const ITEMS = 3000;
const VOCABULARY = Array.from({ length: 400 }, (_, i) => `w${(i * 7919) % 10007}x${String.fromCharCode(97 + (i % 26))}`);
const COMMON = ['river', 'harbour', 'market', 'winter', 'engine', 'garden', 'letter', 'bridge'];

/** Deterministic texts: a few common words (each in a large share of the items) and rarer ones. */
function body(i: number): string {
	const words: string[] = [];
	for (let k = 0; k < 40; k++) words.push(k % 5 === 0 ? COMMON[(i + k) % COMMON.length]! : VOCABULARY[(i * 31 + k * 17) % VOCABULARY.length]!);
	return `${words.join(' ')}.`;
}

describe('search internals on a real Directus', () => {
	let directus: DirectusInstance | undefined;
	let file: string;
	let ftsTables: string[] = [];

	const readFtsTables = async (): Promise<string[]> => {
		const knex = knexFactory({ client: 'sqlite3', connection: { filename: file }, useNullAsDefault: true, pool: { min: 0, max: 1 } });
		try {
			return (await knex('sqlite_master').where('type', 'table').andWhere('name', 'like', 'ml_fts_%').select('name')).map((r: { name: string }) => r.name);
		} finally {
			await knex.destroy();
		}
	};
	const listedCollections = async (instance: DirectusInstance): Promise<string[]> => {
		const res = await instance.request('GET', '/collections');
		expect(res.status, res.text).toBe(200);
		return (res.body.data as { collection: string }[]).map((c) => c.collection);
	};

	beforeAll(async () => {
		file = (await freshSqliteFile('search-internals')).file;
		directus = await startDirectus({ sqliteFile: file });
		await createCollection(directus, 'notes', { title: 'string', body: 'text' });
		const index = await directus.request('POST', '/items/ml_indexes', { body: { name: 'notes', label: 'Notes', collection: 'notes', title_field: 'title', content_fields: ['body'] } });
		expect(index.status, index.text).toBe(200);
		for (let start = 0; start < ITEMS; start += 500) {
			const batch = Array.from({ length: Math.min(500, ITEMS - start) }, (_, j) => ({ title: `Note ${start + j}`, body: body(start + j) }));
			const res = await directus.request('POST', '/items/notes', { body: batch });
			expect(res.status, res.text).toBe(200);
		}
		await eventually(async () => (await directus!.request('GET', '/ml/indexes/notes/coverage')).body.data?.documents.indexed === ITEMS, 400_000, `${ITEMS} notes indexed`);
	}, 900_000);
	afterAll(async () => {
		await directus?.stop();
	}, 120_000);

	it('keeps the FTS5 tables out of /collections, as created and after a restart', async () => {
		const keyword = await directus!.request('POST', '/ml/search', { body: { query: `${COMMON[0]} ${VOCABULARY[3]}`, indexes: ['notes'], mode: 'keyword', limit: 5 } });
		expect(keyword.status, keyword.text).toBe(200);
		expect(keyword.body.data.length).toBe(5);
		ftsTables = await readFtsTables();
		// The item and chunk FTS5 indexes, their row tables and FTS5's shadow tables.
		expect(ftsTables.length).toBeGreaterThanOrEqual(12);
		const listed = await listedCollections(directus!);
		expect(listed).toContain('notes');
		expect(listed.filter((c) => c.startsWith('ml_fts_'))).toEqual([]);
		const schema = await directus!.request('GET', '/schema/snapshot');
		expect(schema.status, schema.text).toBe(200);
		expect((schema.body.data.collections as { collection: string }[]).filter((c) => c.collection.startsWith('ml_fts_'))).toEqual([]);

		// A new process finds the tables already there: they are excluded at start-up, before anything touches them.
		await directus!.stop();
		directus = await startDirectus({ sqliteFile: file, env: { PRESSURE_LIMITER_ENABLED: 'true' } });
		expect(await readFtsTables()).toEqual(ftsTables);
		expect((await listedCollections(directus)).filter((c) => c.startsWith('ml_fts_'))).toEqual([]);
	}, 600_000);

	it('answers a sequential client hybrid searches at limit 100 without 503 Under pressure', async () => {
		// Runs on the instance restarted above, with Directus's pressure limiter on (its default settings).
		expect(directus!.env.PRESSURE_LIMITER_ENABLED).toBe('true');
		const statuses: number[] = [];
		const started = performance.now();
		for (let q = 0; q < 60; q++) {
			const query = `${COMMON[q % COMMON.length]} ${VOCABULARY[(q * 13) % VOCABULARY.length]} ${VOCABULARY[(q * 29 + 5) % VOCABULARY.length]} ${COMMON[(q + 3) % COMMON.length]}`;
			const res = await directus!.request('POST', '/ml/search/hybrid', { body: { query, indexes: ['notes'], limit: 100 } });
			statuses.push(res.status);
			if (res.status === 200) expect(res.body.data.length, query).toBe(100);
		}
		const elapsed = performance.now() - started;
		console.log(`[search-internals] 60 hybrid searches at limit 100 over ${ITEMS} items: ${(elapsed / 60).toFixed(0)} ms mean`);
		expect(statuses.filter((s) => s !== 200)).toEqual([]);
	}, 600_000);
});
