import knexFactory, { type Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LayeredEmbeddingCache, MemoryEmbeddingCache } from './embedding-cache.js';
import { knexEmbeddingCacheSuite } from './knex-embedding-cache.conformance.js';
import { decodeVector, encodeVector, KnexEmbeddingCache, shortInLogs, toFloat32Array } from './knex-embedding-cache.js';
import { WriteBehindEmbeddingCache } from './write-behind-embedding-cache.js';

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

describe('KnexEmbeddingCache key filter', () => {
	const vector = (seed: number): number[] => [Math.fround(seed / 3), Math.fround(-seed / 7)];
	let db: Knex;
	let queries: string[];
	beforeEach(() => {
		db = knexFactory({ client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
		queries = [];
		db.on('query', (q: { sql: string }) => void queries.push(q.sql));
	});
	afterEach(async () => {
		await db.destroy();
	});
	const lookups = (): number => queries.filter((sql) => sql.includes('content_hash in')).length;

	it('once read, looks up only keys the table may hold: a text never cached costs no query', async () => {
		const writer = new KnexEmbeddingCache({ knex: db });
		await writer.setMany('m', [{ hash: 'old', vector: vector(1) }]);
		const cache = new KnexEmbeddingCache({ knex: db });
		expect((await cache.getMany('m', ['old'])).get('old')).toEqual(vector(1));
		await cache.keyFilterReady;
		queries = [];
		expect(await cache.getMany('m', ['new-1', 'new-2'])).toEqual(new Map());
		expect(lookups()).toBe(0);
		// A key in the table is still read from it, and only that key is asked for.
		const found = await cache.getMany('m', ['old', 'new-3']);
		expect([...found]).toEqual([['old', vector(1)]]);
		expect(lookups()).toBe(1);
		expect(queries.at(-1)).toContain('content_hash in (?)');
		// Keys it writes itself are looked up (the row exists).
		await cache.setMany('m', [{ hash: 'new-1', vector: vector(2) }]);
		expect((await cache.getMany('m', ['new-1'])).get('new-1')).toEqual(vector(2));
	});

	it('a row another process writes after the read is a miss here, never a wrong vector, and keeps its value', async () => {
		const here = new KnexEmbeddingCache({ knex: db });
		const other = new KnexEmbeddingCache({ knex: db });
		await other.setMany('m', [{ hash: 'before', vector: vector(1) }]);
		await here.getMany('m', ['x']);
		await here.keyFilterReady;
		await other.setMany('m', [{ hash: 'after', vector: vector(2) }]);
		expect((await here.getMany('m', ['before'])).get('before')).toEqual(vector(1));
		// Not seen: the caller embeds the text again and stores it; the other process's row stays.
		expect((await here.getMany('m', ['after'])).has('after')).toBe(false);
		await here.setMany('m', [{ hash: 'after', vector: vector(3) }]);
		expect((await here.getMany('m', ['after'])).get('after')).toEqual(vector(2));
		expect((await new KnexEmbeddingCache({ knex: db }).getMany('m', ['after'])).get('after')).toEqual(vector(2));
	});

	it('queries every lookup until the keys are read, and keeps the keys written while they are read', async () => {
		const other = new KnexEmbeddingCache({ knex: db });
		await other.setMany('m', Array.from({ length: 250 }, (_, i) => ({ hash: `k${i}`, vector: vector(i) })));
		const cache = new KnexEmbeddingCache({ knex: db, keyFilterPageSize: 10 });
		// Started by the first use; before the read is complete every key is looked up.
		const first = cache.getMany('m', ['k3', 'nothing']);
		const written = cache.setMany('m', [{ hash: 'mine', vector: vector(7) }]);
		expect((await first).get('k3')).toEqual(vector(3));
		await written;
		await cache.keyFilterReady;
		queries = [];
		expect((await cache.getMany('m', ['k249', 'k0', 'mine'])).size).toBe(3);
		expect((await cache.getMany('m', ['nothing'])).size).toBe(0);
		expect(lookups()).toBe(1);
	});

	it('reads the keys again, into a larger filter, once it holds more than it was sized for', async () => {
		const cache = new KnexEmbeddingCache({ knex: db, keyFilterMinKeys: 4 });
		await cache.getMany('m', ['x']);
		await cache.keyFilterReady;
		for (let i = 0; i < 6; i++) await cache.setMany('m', [{ hash: `k${i}`, vector: vector(i) }]);
		const refill = queries.filter((sql) => sql.includes('count(*)')).length;
		expect(refill).toBe(2);
		await cache.keyFilterReady;
		const found = await cache.getMany('m', Array.from({ length: 6 }, (_, i) => `k${i}`));
		expect(found.size).toBe(6);
	});

	it('can be turned off: every lookup queries', async () => {
		const cache = new KnexEmbeddingCache({ knex: db, keyFilter: false });
		await cache.getMany('m', ['a']);
		await cache.keyFilterReady;
		await cache.getMany('m', ['b']);
		expect(lookups()).toBe(2);
	});
});

describe('one Float32Array handed to every layer', () => {
	it('is stored by the memory, write-behind and database layers alike, and every read is a copy of its own', async () => {
		const db = knexFactory({ client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
		try {
			const writeBehind = new WriteBehindEmbeddingCache(new KnexEmbeddingCache({ knex: db }), { flushIntervalMs: 60_000 });
			const memory = new MemoryEmbeddingCache();
			const cache = new LayeredEmbeddingCache(memory, writeBehind);
			const vector = toFloat32Array([0.25, -0.5, 0.125]);
			await cache.setMany('m', [{ hash: 'h', vector }]);

			const pending = (await writeBehind.getMany('m', ['h'])).get('h')!;
			const fromMemory = (await memory.getMany('m', ['h'])).get('h')!;
			expect(pending).toEqual([0.25, -0.5, 0.125]);
			expect(fromMemory).toEqual([0.25, -0.5, 0.125]);
			// Reads are plain arrays the caller may change without touching what is cached.
			pending[0] = 9;
			fromMemory[1] = 9;
			expect((await writeBehind.getMany('m', ['h'])).get('h')).toEqual([0.25, -0.5, 0.125]);
			expect((await memory.getMany('m', ['h'])).get('h')).toEqual([0.25, -0.5, 0.125]);

			await writeBehind.close();
			expect((await new KnexEmbeddingCache({ knex: db }).getMany('m', ['h'])).get('h')).toEqual([0.25, -0.5, 0.125]);
		} finally {
			await db.destroy();
		}
	});
});

describe('toFloat32Array', () => {
	it('copies numbers to float32 precision, the source left as it was', () => {
		const source = [0.1, -2, 3.5];
		const floats = toFloat32Array(source);
		expect(floats).toBeInstanceOf(Float32Array);
		expect(Array.from(floats)).toEqual(source.map(Math.fround));
		expect(source).toEqual([0.1, -2, 3.5]);
	});
});

describe('shortInLogs', () => {
	it('keeps the bytes and every encoding, and joins into a log line as a short text', () => {
		const bytes = shortInLogs(encodeVector([0.5, -1, 2]));
		expect(Buffer.isBuffer(bytes)).toBe(true);
		expect(decodeVector(bytes)).toEqual([0.5, -1, 2]);
		expect(bytes.toString('hex')).toBe(encodeVector([0.5, -1, 2]).toString('hex'));
		expect(bytes.toString('base64')).toBe(encodeVector([0.5, -1, 2]).toString('base64'));
		expect(['model', bytes].join(', ')).toBe('model, <12 bytes>');
	});
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

	it('evicts several at once, oldest first, and keeps the newest of one oversized write', async () => {
		const cache = new MemoryEmbeddingCache({ maxEntries: 3 });
		const entries = (...hashes: string[]) => hashes.map((hash, i) => ({ hash, vector: [i] }));
		await cache.setMany('m', entries('a', 'b', 'c'));
		await cache.getMany('m', ['a']);
		await cache.setMany('m', entries('d', 'e'));
		expect([...(await cache.getMany('m', ['a', 'b', 'c', 'd', 'e'])).keys()]).toEqual(['a', 'd', 'e']);
		await cache.setMany('m', entries('f', 'g', 'h', 'i', 'j'));
		expect([...(await cache.getMany('m', ['a', 'd', 'e', 'f', 'g', 'h', 'i', 'j'])).keys()]).toEqual(['h', 'i', 'j']);
		expect(cache.size).toBe(3);
		// Turning a full cache over many times keeps exactly the most recent entries.
		for (let round = 0; round < 50; round++) await cache.setMany('m', entries(...Array.from({ length: 7 }, (_, i) => `r${round}-${i}`)));
		expect([...(await cache.getMany('m', ['r49-3', 'r49-4', 'r49-5', 'r49-6', 'r48-6'])).keys()]).toEqual(['r49-4', 'r49-5', 'r49-6']);
		expect(cache.size).toBe(3);
	});
});

describe('encodeVector / decodeVector', () => {
	const vector = [0.5, -1.25, 3.140000104904175, 0, -0];

	it('writes little-endian float32 bytes, one per number', () => {
		const bytes = encodeVector(vector);
		expect(bytes.length).toBe(vector.length * 4);
		expect(bytes.readFloatLE(4)).toBe(-1.25);
		expect(bytes.readFloatLE(8)).toBe(Math.fround(3.14));
	});

	it('reads bytes at any offset (driver and base64 buffers need not be 4-byte aligned)', () => {
		const encoded = encodeVector(vector);
		for (const offset of [0, 1, 2, 3, 4]) {
			const backing = Buffer.alloc(encoded.length + 8, 0xff);
			encoded.copy(backing, offset);
			const view = backing.subarray(offset, offset + encoded.length);
			expect(decodeVector(view)).toEqual(vector);
			expect(decodeVector(new Uint8Array(view))).toEqual(vector);
		}
	});

	it('ignores a trailing partial float', () => {
		const bytes = Buffer.concat([encodeVector([1, 2]), Buffer.from([1, 2])]);
		expect(decodeVector(bytes)).toEqual([1, 2]);
	});
});
