import knexFactory, { type Knex } from 'knex';
import { afterEach, describe, expect, it } from 'vitest';
import { fullTextIndexSuite } from './full-text-index.conformance.js';
import { listSqliteFullTextTables, SqliteFullTextIndex, sqliteFullTextTableNames, sqliteFullTextTables } from './sqlite-full-text-index.js';

describe('SqliteFullTextIndex', () => {
	const open: Knex[] = [];
	afterEach(async () => {
		for (const knex of open.splice(0)) await knex.destroy();
	});
	const make = (): SqliteFullTextIndex => {
		const knex = knexFactory({ client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
		open.push(knex);
		return new SqliteFullTextIndex({ knex });
	};
	fullTextIndexSuite(make);

	it('names every table it creates, FTS5 shadow tables included, before creating them', async () => {
		const knex = knexFactory({ client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
		open.push(knex);
		const told: string[][] = [];
		const fts = new SqliteFullTextIndex({ knex, onTables: (tables) => told.push(tables) });
		const id = '21111111-2222-3333-4444-555555555555';
		await knex.schema.createTable('ml_ftsx_other', (t) => t.increments('id'));
		await fts.replaceItems(id, ['a'], [{ item: 'a', chunk: 0, field: 'body', position: 0, text: 'some words', content: 'some words' }]);
		const created = await listSqliteFullTextTables(knex);
		expect(created).toEqual([...sqliteFullTextTableNames(id)].sort());
		expect(created.length).toBeGreaterThanOrEqual(12);
		expect(told).toEqual([sqliteFullTextTableNames(id)]);
		await fts.drop(id);
		expect(await listSqliteFullTextTables(knex)).toEqual([]);
	});

	it('breaks score ties by item at every limit and offset, whatever order the items were written in', async () => {
		const fts = make();
		const index = 'ties';
		const chunk = (item: string) => ({ item, chunk: 0, field: 'body', position: 0, text: 'volcano lava', content: 'volcano lava' });
		// 100 items with the same text (one score), written in reverse key order, one write each.
		const keys = Array.from({ length: 100 }, (_, i) => `k${String(i).padStart(3, '0')}`);
		for (const key of [...keys].reverse()) await fts.replaceItems(index, [key], [chunk(key)]);
		await fts.replaceItems(index, ['z'], [{ item: 'z', chunk: 0, field: 'body', position: 0, text: 'volcano', content: 'volcano' }]);
		const all = (await fts.rank(index, 'volcano lava', { limit: 200 })).map((r) => r.item);
		expect(all).toEqual([...keys, 'z']);
		for (const [limit, offset] of [
			[1, 0],
			[5, 0],
			[10, 20],
			[70, 0],
			[3, 98],
		] as const) {
			expect((await fts.rank(index, 'volcano lava', { limit, offset })).map((r) => r.item), `${limit}+${offset}`).toEqual(all.slice(offset, offset + limit));
			expect((await fts.search(index, 'volcano lava', { limit, offset })).map((r) => r.item), `search ${limit}+${offset}`).toEqual(all.slice(offset, offset + limit));
		}
	});

	it('scores with FTS5 bm25(): a rarer term outweighs a common one', async () => {
		const fts = make();
		const id = '11111111-2222-3333-4444-555555555555';
		await fts.replaceItems(id, ['a', 'b', 'c'], [
			{ item: 'a', chunk: 0, field: 'body', position: 0, text: 'common words here', content: 'common words here' },
			{ item: 'b', chunk: 0, field: 'body', position: 0, text: 'common rare', content: 'common rare' },
			{ item: 'c', chunk: 0, field: 'body', position: 0, text: 'common again', content: 'common again' },
		]);
		const hits = await fts.search(id, 'common rare', { limit: 3 });
		expect(hits[0]!.item).toBe('b');
	});

	it('ranks an item by BM25 over its whole text, not by its best chunk, and shows its chunk with the most query terms', async () => {
		const fts = make();
		const id = '22222222-2222-3333-4444-555555555555';
		const c = (item: string, chunk: number, text: string) => ({ item, chunk, field: 'body', position: chunk, text, content: text });
		// "a" holds both query terms, but in different chunks; "b" holds one of them in its only chunk.
		await fts.replaceItems(
			id,
			['a', 'b', 'c'],
			[c('a', 0, 'glacier retreat measured'), c('a', 1, 'moraine sediment cores'), c('b', 0, 'glacier ice'), c('c', 0, 'unrelated text')],
			[
				{ item: 'a', text: 'glacier retreat measured moraine sediment cores' },
				{ item: 'b', text: 'glacier ice' },
				{ item: 'c', text: 'unrelated text' },
			],
		);
		const hits = await fts.search(id, 'glacier moraine', { limit: 10 });
		expect(hits.map((h) => `${h.item}:${h.chunk}`)).toEqual(['a:0', 'b:0']);
		const moraine = await fts.search(id, 'moraine sediment', { limit: 10 });
		expect(moraine.map((h) => `${h.item}:${h.chunk}`)).toEqual(['a:1']);
	});

	it('builds the item index of an index created before it existed from its chunk rows', async () => {
		const knex = knexFactory({ client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
		open.push(knex);
		const id = '33333333-2222-3333-4444-555555555555';
		const first = new SqliteFullTextIndex({ knex });
		await first.replaceItems(id, ['a', 'b'], [
			{ item: 'a', chunk: 0, field: 'body', position: 0, text: 'tidal energy', content: 'tidal energy' },
			{ item: 'b', chunk: 0, field: 'body', position: 0, text: 'solar energy', content: 'solar energy' },
		]);
		// As an install from before the item index: only the chunk tables.
		const tables = sqliteFullTextTables(id);
		await knex.raw(`DROP TABLE "${tables.itemFts}"`);
		await knex.raw(`DROP TABLE "${tables.items}"`);
		const restarted = new SqliteFullTextIndex({ knex });
		expect((await restarted.search(id, 'tidal', { limit: 10 })).map((h) => h.item)).toEqual(['a']);
		expect((await restarted.search(id, 'energy', { limit: 10 })).map((h) => h.item).sort()).toEqual(['a', 'b']);
	});
});
