import type { CoreLogger } from '../usage/logger.js';
import { vectorToNumbers, type CacheEntry, type EmbeddingCache } from './embedding-cache.js';

export interface WriteBehindEmbeddingCacheOptions {
	/** Most time a written vector waits before it is stored. Default: 250 ms. */
	flushIntervalMs?: number;
	/** Pending vectors that trigger a write at once. Default: 512. */
	maxPending?: number;
	/** Failed writes are logged here (a cache write that fails only costs a later re-embedding). Default: silent. */
	logger?: CoreLogger;
}

/**
 * Puts writes to a slow shared cache (a database table) behind the request: `setMany` returns at
 * once and vectors are written in batches, one at a time, off the request path. Reads see
 * pending vectors, so a text embedded a moment ago is a hit before its row exists.
 * `close()` writes what is pending.
 */
export class WriteBehindEmbeddingCache implements EmbeddingCache {
	private readonly flushIntervalMs: number;
	private readonly maxPending: number;
	private pending = new Map<string, Map<string, CacheEntry['vector']>>();
	private pendingCount = 0;
	private timer: NodeJS.Timeout | null = null;
	private writing: Promise<void> = Promise.resolve();

	constructor(
		private readonly back: EmbeddingCache,
		private readonly options: WriteBehindEmbeddingCacheOptions = {},
	) {
		this.flushIntervalMs = options.flushIntervalMs ?? 250;
		this.maxPending = Math.max(1, options.maxPending ?? 512);
	}

	async getMany(model: string, hashes: readonly string[]): Promise<Map<string, number[]>> {
		const waiting = this.pending.get(model);
		const found = new Map<string, number[]>();
		const rest: string[] = [];
		for (const hash of hashes) {
			const vector = waiting?.get(hash);
			if (vector) found.set(hash, vectorToNumbers(vector));
			else rest.push(hash);
		}
		if (rest.length === 0) return found;
		for (const [hash, vector] of await this.back.getMany(model, rest)) found.set(hash, vector);
		return found;
	}

	async setMany(model: string, entries: readonly CacheEntry[]): Promise<void> {
		if (entries.length === 0) return;
		let forModel = this.pending.get(model);
		if (!forModel) {
			forModel = new Map();
			this.pending.set(model, forModel);
		}
		for (const { hash, vector } of entries) {
			if (!forModel.has(hash)) this.pendingCount++;
			forModel.set(hash, vector);
		}
		if (this.pendingCount >= this.maxPending) void this.flush();
		else if (!this.timer) {
			this.timer = setTimeout(() => void this.flush(), this.flushIntervalMs);
			this.timer.unref?.();
		}
	}

	/** Writes everything pending; resolves when it (and earlier writes) finished. Never rejects. */
	flush(): Promise<void> {
		if (this.timer) {
			clearTimeout(this.timer);
			this.timer = null;
		}
		const batch = this.pending;
		this.pending = new Map();
		this.pendingCount = 0;
		if (batch.size === 0) return this.writing;
		this.writing = this.writing.then(async () => {
			for (const [model, entries] of batch) {
				try {
					await this.back.setMany(model, [...entries].map(([hash, vector]) => ({ hash, vector })));
				} catch (error) {
					this.options.logger?.warn(`Embedding cache write of ${entries.size} vectors failed: ${error instanceof Error ? error.message : String(error)}`);
				}
			}
		});
		return this.writing;
	}

	close(): Promise<void> {
		return this.flush();
	}
}
