import { randomUUID } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { IndexRepository } from './index-repository.js';
import { createIndexingTables } from './indexing-tables.fixtures.js';

describe('IndexRepository', () => {
	let db: Knex;
	let reads: number;

	beforeEach(async () => {
		db = knexFactory({ client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
		await createIndexingTables(db);
		await db('ml_indexes').insert({ id: randomUUID(), name: 'articles', collection: 'articles', content_fields: 'body', status: 'active' });
		reads = 0;
		db.on('query', (query: { sql: string }) => {
			if (/from [`"]ml_indexes[`"]/i.test(query.sql)) reads++;
		});
	});
	afterEach(async () => {
		await db.destroy();
	});

	it('serves the save hooks of a whole batch (one event per item, all at once) from one read', async () => {
		const indexes = new IndexRepository(db, { chunkSize: 1000, chunkOverlap: 100 });
		const found = await Promise.all(Array.from({ length: 500 }, () => indexes.forCollection('articles')));
		expect(found.every((list) => list.length === 1 && list[0]!.name === 'articles')).toBe(true);
		expect(reads).toBe(1);
	});

	it('reads again after invalidate, also when the invalidation came while a read was under way', async () => {
		const indexes = new IndexRepository(db, { chunkSize: 1000, chunkOverlap: 100 });
		const before = indexes.list();
		indexes.invalidate();
		await db('ml_indexes').update({ status: 'paused' });
		await before;
		// The read started before the change may have missed it: it must not be cached.
		expect((await indexes.active()).map((index) => index.name)).toEqual([]);
		expect(reads).toBe(2);
		expect(await indexes.active()).toEqual([]);
		expect(reads).toBe(2);
	});
});
