import { describe, expect, it } from 'vitest';
import type { CacheEntry, EmbeddingCache } from './embedding-cache.js';
import { WriteBehindEmbeddingCache } from './write-behind-embedding-cache.js';

class RecordingCache implements EmbeddingCache {
	readonly rows = new Map<string, number[]>();
	writes = 0;
	fail = false;
	async getMany(model: string, hashes: readonly string[]): Promise<Map<string, number[]>> {
		const out = new Map<string, number[]>();
		for (const h of hashes) {
			const v = this.rows.get(`${model}/${h}`);
			if (v) out.set(h, v);
		}
		return out;
	}
	async setMany(model: string, entries: readonly CacheEntry[]): Promise<void> {
		this.writes++;
		if (this.fail) throw new Error('SQLITE_BUSY: database is locked');
		for (const e of entries) this.rows.set(`${model}/${e.hash}`, [...e.vector]);
	}
}

describe('WriteBehindEmbeddingCache', () => {
	it('returns from setMany before writing, serves pending vectors, then writes them in one batch', async () => {
		const back = new RecordingCache();
		const cache = new WriteBehindEmbeddingCache(back, { flushIntervalMs: 60_000 });
		await cache.setMany('m', [{ hash: 'a', vector: [1, 2] }]);
		await cache.setMany('m', [{ hash: 'b', vector: [3, 4] }]);
		expect(back.writes).toBe(0);
		expect([...(await cache.getMany('m', ['a', 'b', 'c']))]).toEqual([
			['a', [1, 2]],
			['b', [3, 4]],
		]);
		await cache.flush();
		expect(back.writes).toBe(1);
		expect(back.rows.get('m/b')).toEqual([3, 4]);
		expect((await cache.getMany('m', ['a'])).get('a')).toEqual([1, 2]);
	});

	it('writes at once past maxPending, and close() writes the rest', async () => {
		const back = new RecordingCache();
		const cache = new WriteBehindEmbeddingCache(back, { flushIntervalMs: 60_000, maxPending: 2 });
		await cache.setMany('m', [{ hash: 'a', vector: [1] }, { hash: 'b', vector: [2] }]);
		await cache.setMany('m', [{ hash: 'c', vector: [3] }]);
		await cache.close();
		expect(back.writes).toBe(2);
		expect([...back.rows.keys()].sort()).toEqual(['m/a', 'm/b', 'm/c']);
	});

	it('a failed write is logged, never thrown to the caller', async () => {
		const back = new RecordingCache();
		back.fail = true;
		const warnings: string[] = [];
		const cache = new WriteBehindEmbeddingCache(back, { flushIntervalMs: 60_000, logger: { warn: (m: string) => void warnings.push(m), error: () => undefined } });
		await cache.setMany('m', [{ hash: 'a', vector: [1] }]);
		await expect(cache.flush()).resolves.toBeUndefined();
		expect(warnings.join()).toContain('database is locked');
	});
});
