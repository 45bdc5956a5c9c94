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
