import { toFloat32Array } from './knex-embedding-cache.js';
/**
 * Cache of embeddings by (model key, content hash). The model key names the model and its
 * dimensions, so a model whose output changes gets a fresh key instead of stale vectors.
 * Vectors are stored as Float32 in every implementation, so a layered cache returns the same
 * numbers whichever layer answers.
 */
export interface EmbeddingCache {
	/** Cached vectors for those hashes that have one; absent hashes are misses. */
	getMany(model: string, hashes: readonly string[]): Promise<Map<string, number[]>>;
	/** Stores vectors; an existing entry for the same key is kept. */
	setMany(model: string, entries: readonly CacheEntry[]): Promise<void>;
}

/**
 * A vector to store. A `Float32Array` is handed over: caches keep it (memory) or view its bytes
 * (database rows) instead of copying it, so the caller must not change it afterwards — the
 * embedding service makes one per new vector for all layers (issue 16: the copies per layer were
 * ≈ 6% of a 32-text /ml/embeddings/batch call's CPU, plus their garbage).
 */
export interface CacheEntry {
	hash: string;
	vector: readonly number[] | Float32Array;
}

export interface MemoryEmbeddingCacheOptions {
	/** Most vectors kept; the least recently used go first. Default: 10000 (about 15 MB at 384 dimensions). */
	maxEntries?: number;
}

/** Bounded in-process LRU cache. */
export class MemoryEmbeddingCache implements EmbeddingCache {
	private readonly entries = new Map<string, Float32Array>();
	private readonly maxEntries: number;

	constructor(options: MemoryEmbeddingCacheOptions = {}) {
		this.maxEntries = Math.max(1, options.maxEntries ?? 10_000);
	}

	get size(): number {
		return this.entries.size;
	}

	async getMany(model: string, hashes: readonly string[]): Promise<Map<string, number[]>> {
		const found = new Map<string, number[]>();
		for (const hash of hashes) {
			const key = cacheKey(model, hash);
			const vector = this.entries.get(key);
			if (!vector) continue;
			// Re-insert to mark as most recently used (Map keeps insertion order).
			this.entries.delete(key);
			this.entries.set(key, vector);
			found.set(hash, vectorToNumbers(vector));
		}
		return found;
	}

	async setMany(model: string, entries: readonly CacheEntry[]): Promise<void> {
		for (const { hash, vector } of entries) {
			const key = cacheKey(model, hash);
			this.entries.delete(key);
			this.entries.set(key, vector instanceof Float32Array ? vector : toFloat32Array(vector));
		}
		// The least recently used are the first keys: one walk drops them all. (A fresh
		// `keys().next()` per eviction re-skips every slot deleted before it until the Map
		// compacts, which made a full cache's writes slow down as it turned over.)
		let excess = this.entries.size - this.maxEntries;
		if (excess <= 0) return;
		for (const key of this.entries.keys()) {
			this.entries.delete(key);
			if (--excess === 0) break;
		}
	}
}

/** A fast cache in front of a shared one: reads fall through and fill the front; writes go to both. */
export class LayeredEmbeddingCache implements EmbeddingCache {
	constructor(
		private readonly front: EmbeddingCache,
		private readonly back: EmbeddingCache,
	) {}

	async getMany(model: string, hashes: readonly string[]): Promise<Map<string, number[]>> {
		const found = await this.front.getMany(model, hashes);
		const missing = hashes.filter((h) => !found.has(h));
		if (missing.length === 0) return found;
		const fromBack = await this.back.getMany(model, missing);
		if (fromBack.size > 0) {
			await this.front.setMany(model, [...fromBack].map(([hash, vector]) => ({ hash, vector })));
			for (const [hash, vector] of fromBack) found.set(hash, vector);
		}
		return found;
	}

	async setMany(model: string, entries: readonly CacheEntry[]): Promise<void> {
		await this.front.setMany(model, entries);
		await this.back.setMany(model, entries);
	}
}

/**
 * A fresh array of the vector's numbers. A loop: `Array.from(float32Array)` takes ≈ 100 µs for
 * 1,536 dimensions (the iterator protocol per element), this ≈ 5 µs — it runs for every
 * memory-cache hit. (`slice`, not a spread, for arrays: a spread iterates, slow once the
 * array-iterator protector is gone, see toFloat32Array.)
 */
export function vectorToNumbers(vector: readonly number[] | Float32Array): number[] {
	if (!(vector instanceof Float32Array)) return vector.slice();
	const out = new Array<number>(vector.length);
	for (let i = 0; i < vector.length; i++) out[i] = vector[i]!;
	return out;
}

function cacheKey(model: string, hash: string): string {
	return `${model}\u0000${hash}`;
}
