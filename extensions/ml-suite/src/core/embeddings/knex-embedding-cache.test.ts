import knexFactory, { type Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryEmbeddingCache } from './embedding-cache.js';
import { knexEmbeddingCacheSuite } from './knex-embedding-cache.conformance.js';

let knex: Knex;

describe('KnexEmbeddingCache (sqlite3)', () => {
	beforeEach(() => {
		knex = knexFactory({ client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
	});
	afterEach(async () => {
		await knex.destroy();
	});
	knexEmbeddingCacheSuite(() => knex);
});

describe('MemoryEmbeddingCache', () => {
	it('evicts the least recently used entries beyond maxEntries', async () => {
		const cache = new MemoryEmbeddingCache({ maxEntries: 2 });
		await cache.setMany('m', [
			{ hash: 'a', vector: [1] },
			{ hash: 'b', vector: [2] },
		]);
		await cache.getMany('m', ['a']);
		await cache.setMany('m', [{ hash: 'c', vector: [3] }]);
		const found = await cache.getMany('m', ['a', 'b', 'c']);
		expect([...found.keys()]).toEqual(['a', 'c']);
		expect(cache.size).toBe(2);
		expect((await cache.getMany('other', ['a'])).size).toBe(0);
	});
});
