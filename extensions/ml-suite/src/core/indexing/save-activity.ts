export interface SaveActivityOptions {
	/** How long no save may have been seen before background indexing runs. 0 = never wait. */
	quietMs: number;
	/** Longest a background step waits for quiet, so a never-ending stream of saves cannot starve indexing. */
	maxDeferMs: number;
	now?: () => number;
}

/**
 * Lets background indexing give way to content saves served by the same process. Save hooks
 * note every item a save touches (`touch`, before and after the write); indexing jobs wait for
 * `quiet()` before they embed and before they write, so while a batch create or an import is
 * being saved, its indexing work does not take the event loop or (on SQLite) the database
 * connection from it. The save never waits on ML work; indexing starts once saves pause (or
 * after `maxDeferMs` at the latest; while saves still continue it then indexes one small slice
 * of items per wait, see `IndexingService.BUSY_ITEM_SLICE`). In a worker process that serves no
 * saves it never waits.
 */
export class SaveActivity {
	private last = Number.NEGATIVE_INFINITY;
	private readonly now: () => number;

	constructor(private readonly options: SaveActivityOptions) {
		this.now = options.now ?? Date.now;
	}

	/** Notes that a save is under way (or just ended). Cheap: called once per saved item. */
	touch(): void {
		this.last = this.now();
	}

	/** True while saves are under way: one was noted less than `quietMs` ago (never when waiting is off). */
	busy(): boolean {
		return this.options.quietMs > 0 && this.now() - this.last < this.options.quietMs;
	}

	/** Resolves once no save has been noted for `quietMs`, or after `maxDeferMs` at most. */
	async quiet(signal?: AbortSignal): Promise<void> {
		const { quietMs, maxDeferMs } = this.options;
		if (quietMs <= 0) return;
		const started = this.now();
		for (;;) {
			const now = this.now();
			const idle = now - this.last;
			const waited = now - started;
			if (idle >= quietMs || waited >= maxDeferMs) return;
			await sleep(Math.max(1, Math.min(quietMs - idle, maxDeferMs - waited)), signal);
		}
	}
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
	return new Promise((resolve, reject) => {
		if (signal?.aborted) return reject(signal.reason);
		const onAbort = (): void => {
			clearTimeout(timer);
			reject(signal!.reason);
		};
		const timer = setTimeout(() => {
			signal?.removeEventListener('abort', onAbort);
			resolve();
		}, ms);
		signal?.addEventListener('abort', onAbort, { once: true });
	});
}
