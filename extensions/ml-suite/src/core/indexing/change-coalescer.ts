/** One group of saved items for one index. */
export interface ChangeBatch {
	indexId: string;
	collection: string;
	keys: string[];
}

export interface ChangeCoalescerOptions {
	/** How long changes gather before they are written. Default: 100 ms; 0 writes each `add` at once. */
	windowMs?: number;
	/** Keys per index that trigger an immediate flush. Default: 500. */
	maxKeys?: number;
	/** Records one batch (marks the items pending and enqueues their jobs). */
	flush(batch: ChangeBatch): Promise<void>;
	/** Called when a flush fails; the batch's items were not marked and the error is the caller's to log. */
	onError(error: unknown, batch: ChangeBatch): void;
}

/**
 * Gathers the item changes that save hooks report (Directus emits one action per created item,
 * so a batch create or an import of 5,000 items is 5,000 events) and writes them as a few large
 * batches: one state upsert and one job per ~500 items instead of one of each per item. Flushes
 * run one at a time, so indexing bookkeeping never competes with itself for the database (on
 * SQLite, with the saves that caused it).
 *
 * The window is short and `close()` flushes, so the only changes not yet recorded when a
 * process dies are those of the last `windowMs` — the same kind of gap as between a save's
 * commit and its after-save hook.
 */
export class ChangeCoalescer {
	private readonly windowMs: number;
	private readonly maxKeys: number;
	private pending = new Map<string, { collection: string; keys: Set<string> }>();
	private timer: NodeJS.Timeout | null = null;
	private chain: Promise<void> = Promise.resolve();
	private closed = false;

	constructor(private readonly options: ChangeCoalescerOptions) {
		this.windowMs = options.windowMs ?? 100;
		this.maxKeys = options.maxKeys ?? 500;
	}

	/** Notes changed items of one index. Returns at once; the write happens on the next flush. */
	add(indexId: string, collection: string, keys: readonly string[]): void {
		if (keys.length === 0) return;
		let group = this.pending.get(indexId);
		if (!group) {
			group = { collection, keys: new Set() };
			this.pending.set(indexId, group);
		}
		for (const key of keys) group.keys.add(key);
		if (this.closed || this.windowMs === 0 || group.keys.size >= this.maxKeys) {
			void this.flush();
			return;
		}
		this.timer ??= setTimeout(() => void this.flush(), this.windowMs);
		this.timer.unref?.();
	}

	/** Writes everything gathered so far; resolves when it (and any earlier flush) is done. */
	flush(): Promise<void> {
		if (this.timer) {
			clearTimeout(this.timer);
			this.timer = null;
		}
		const taken = this.pending;
		this.pending = new Map();
		for (const [indexId, group] of taken) {
			const all = [...group.keys];
			for (let i = 0; i < all.length; i += this.maxKeys) {
				const batch: ChangeBatch = { indexId, collection: group.collection, keys: all.slice(i, i + this.maxKeys) };
				this.chain = this.chain.then(() => this.options.flush(batch)).catch((error: unknown) => this.options.onError(error, batch));
			}
		}
		return this.chain;
	}

	/** Flushes what is gathered; later changes are written at once. */
	async close(): Promise<void> {
		this.closed = true;
		await this.flush();
	}
}
