import knexFactory, { type Knex } from 'knex';
import { afterAll, describe, expect, it } from 'vitest';
import { POSTGRES_URL, skipUnless } from '../../../../../test/support/services.js';
import type { FullTextIndex } from './full-text-index.js';
import { PostgresFullTextIndex } from './postgres-full-text-index.js';
import type { SearchMode } from './search-service.js';
import { buildSearchWorld, origin, RuleAccess, type SearchWorld } from './search-worlds.fixtures.js';

type Row = Record<string, unknown>;

const INDEX = { name: 'kb', collection: 'kb', title_field: 'title', content_fields: 'body', chunk_size: 120 };
const QUERIES = ['volcano lava eruption', 'glacier ice melting', 'harbour ships', 'marmalade', 'ice volcano harbour'];

/** Items with words from a few topics, some long enough to be cut into several chunks. */
function initialItems(): [string, Row][] {
	const topics = ['volcano lava eruption crater', 'glacier ice melting snow', 'harbour ships cargo port', 'orchard apples pears'];
	return Array.from({ length: 24 }, (_, i) => {
		const topic = topics[i % topics.length]!;
		const second = topics[(i * 3 + 1) % topics.length]!;
		const body = i % 5 === 0 ? `${topic} item ${i}. ${'Filler words about nothing in particular. '.repeat(4)}${second} again ${i}.` : `${topic} note ${i} with ${second.split(' ')[0]}.`;
		return [`i${String(i).padStart(2, '0')}`, { title: `Item ${i}`, body }];
	});
}

/**
 * Hybrid (and keyword) search is exact after creates, updates and deletes: the mutated index
 * answers every query exactly as an index built from scratch over the final content does
 * (same items, order, scores and passages), on each keyword engine.
 */
function exactnessSuite(engine: string, makeFullText: (() => FullTextIndex) | undefined): void {
	const worlds: SearchWorld[] = [];
	afterAll(async () => {
		for (const world of worlds) {
			await world.fullText.drop(world.index.id);
			await world.close();
		}
	});

	const search = (world: SearchWorld, query: string, mode: SearchMode, limit: number) =>
		world.search.search({ query, indexes: [world.index], mode, limit, filter: null, fields: ['title'], access: new RuleAccess(world.items, { canRead: true }), origin });

	it(`${engine}: matches a from-scratch index after create, update and delete`, async () => {
		const mutated = await buildSearchWorld(INDEX, makeFullText ? { fullText: makeFullText } : {});
		worlds.push(mutated);
		for (const [key, row] of initialItems()) mutated.items.set('kb', key, row);
		await mutated.indexing.reindex(mutated.index, { origin });

		// Create: a new item with a rare word.
		mutated.items.set('kb', 'new1', { title: 'New', body: 'marmalade volcano on toast near the harbour' });
		// Update: i01 loses its glacier words and gains marmalade; i05 (several chunks) shrinks to one.
		mutated.items.set('kb', 'i01', { title: 'Item 1 edited', body: 'marmalade and harbour ships only' });
		mutated.items.set('kb', 'i05', { title: 'Item 5', body: 'ice' });
		await mutated.indexing.indexItems(mutated.index, ['new1', 'i01', 'i05'], { origin });
		// Delete: i02 and i10 leave the collection.
		mutated.items.delete('kb', 'i02');
		mutated.items.delete('kb', 'i10');
		await mutated.indexing.removeItems(mutated.index, ['i02', 'i10']);

		const fresh = await buildSearchWorld(INDEX, makeFullText ? { fullText: makeFullText } : {});
		worlds.push(fresh);
		for (const [key, row] of await mutated.items.read('kb', [...initialItems().map(([k]) => k), 'new1'], ['id', 'title', 'body'])) fresh.items.set('kb', key, { title: row.title, body: row.body });
		await fresh.indexing.reindex(fresh.index, { origin });

		const strip = (hits: Awaited<ReturnType<typeof search>>) => hits.map((h) => ({ item: h.item, score: Number(h.score.toFixed(9)), passage: h.passage, title: h.title }));
		for (const mode of ['hybrid', 'keyword'] as const) {
			for (const query of QUERIES) {
				for (const limit of [3, 10, 50]) {
					const got = await search(mutated, query, mode, limit);
					expect(strip(got), `${mode} "${query}" limit ${limit}`).toEqual(strip(await search(fresh, query, mode, limit)));
					expect(got.some((h) => h.item === 'i02' || h.item === 'i10'), 'deleted items are gone').toBe(false);
				}
			}
		}
		// The edits are visible: marmalade finds exactly the created and the updated item; i01 no longer matches "glacier".
		expect((await search(mutated, 'marmalade', 'keyword', 10)).map((h) => h.item).sort()).toEqual(['i01', 'new1']);
		expect((await search(mutated, 'glacier', 'keyword', 50)).some((h) => h.item === 'i01')).toBe(false);
		expect((await search(mutated, 'marmalade', 'hybrid', 2)).map((h) => h.item).sort()).toEqual(['i01', 'new1']);
	}, 120_000);
}

describe('hybrid search exactness', () => {
	exactnessSuite('SQLite FTS5', undefined);
});

describe.skipIf(await skipUnless('postgres'))('hybrid search exactness on PostgreSQL', () => {
	const schema = `ml_exact_${process.pid}_${Date.now()}`;
	let knex: Knex | null = null;
	afterAll(async () => {
		if (!knex) return;
		await knex.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
		await knex.destroy();
	});
	exactnessSuite('PostgreSQL BM25 postings', () => {
		knex ??= knexFactory({
			client: 'pg',
			connection: POSTGRES_URL,
			searchPath: [schema],
			pool: { min: 0, max: 2, afterCreate: (conn: { query(sql: string, cb: (error: Error | null) => void): void }, done: (error: Error | null, conn: unknown) => void) => conn.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`, (error) => done(error, conn)) },
		});
		return new PostgresFullTextIndex({ knex });
	});
});
