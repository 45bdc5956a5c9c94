import type { Knex } from 'knex';
import { expect, it } from 'vitest';
import { LayeredEmbeddingCache, MemoryEmbeddingCache } from './embedding-cache.js';
import { KnexEmbeddingCache } from './knex-embedding-cache.js';

/** Behaviour every database must show; run by the sqlite3 unit test and the PostgreSQL integration test. */
export function knexEmbeddingCacheSuite(getKnex: () => Knex): void {
	const vector = (seed: number, dims = 6): number[] => Array.from({ length: dims }, (_, i) => Math.fround(Math.sin(seed * 10 + i)));

	it('creates its table and round-trips Float32 vectors exactly, per model', async () => {
		const knex = getKnex();
		const cache = new KnexEmbeddingCache({ knex });
		expect(await cache.getMany('m1', ['h1'])).toEqual(new Map());
		expect(await knex.schema.hasTable('ml_embedding_cache')).toBe(true);
		await cache.setMany('m1', [
			{ hash: 'h1', vector: vector(1) },
			{ hash: 'h2', vector: vector(2, 3) },
		]);
		const found = await cache.getMany('m1', ['h1', 'h2', 'h3']);
		expect([...found.keys()].sort()).toEqual(['h1', 'h2']);
		expect(found.get('h1')).toEqual(vector(1));
		expect(found.get('h2')).toEqual(vector(2, 3));
		expect(await cache.getMany('m2', ['h1'])).toEqual(new Map());
		const rows = await knex('ml_embedding_cache').where({ model: 'm1', content_hash: 'h1' });
		expect(rows[0]).toMatchObject({ dimensions: 6 });
		expect(Buffer.from(rows[0].vector).readFloatLE(4)).toBe(vector(1)[1]);
	});

	it('keeps the first vector when the same key is stored twice, and handles large lookups', async () => {
		const knex = getKnex();
		const cache = new KnexEmbeddingCache({ knex });
		await cache.setMany('dup', [{ hash: 'x', vector: vector(3) }]);
		await cache.setMany('dup', [{ hash: 'x', vector: vector(4) }]);
		expect((await cache.getMany('dup', ['x'])).get('x')).toEqual(vector(3));
		const many = Array.from({ length: 1200 }, (_, i) => ({ hash: `k${i}`, vector: vector(i, 4) }));
		await cache.setMany('bulk', many);
		const found = await cache.getMany('bulk', many.map((e) => e.hash));
		expect(found.size).toBe(1200);
		expect(found.get('k777')).toEqual(vector(777, 4));
	});

	it('fills a memory layer in front from the database', async () => {
		const knex = getKnex();
		const front = new MemoryEmbeddingCache({ maxEntries: 10 });
		const layered = new LayeredEmbeddingCache(front, new KnexEmbeddingCache({ knex }));
		await new KnexEmbeddingCache({ knex }).setMany('layer', [{ hash: 'a', vector: vector(5) }]);
		expect(front.size).toBe(0);
		expect((await layered.getMany('layer', ['a', 'b'])).get('a')).toEqual(vector(5));
		expect((await front.getMany('layer', ['a'])).get('a')).toEqual(vector(5));
		await layered.setMany('layer', [{ hash: 'b', vector: vector(6) }]);
		expect((await new KnexEmbeddingCache({ knex }).getMany('layer', ['b'])).get('b')).toEqual(vector(6));
	});
}
