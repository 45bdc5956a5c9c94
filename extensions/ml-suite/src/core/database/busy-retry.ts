/**
 * SQLite allows one writer per file. When two processes share the file (Directus and a
 * standalone `ml:worker`), a transaction that read before it writes gets SQLITE_BUSY at once
 * if the other process is writing: SQLite does not wait there, because waiting could deadlock.
 * The only cure is to run the whole transaction again once the other writer is done.
 */
export function isSqliteBusy(error: unknown): boolean {
	const e = error as { code?: unknown; errno?: unknown; message?: unknown } | null;
	if (!e || typeof e !== 'object') return false;
	if (e.code === 'SQLITE_BUSY' || e.code === 'SQLITE_LOCKED') return true;
	return typeof e.message === 'string' && /SQLITE_(BUSY|LOCKED)\b/.test(e.message.slice(-300));
}

export interface BusyRetryOptions {
	/** Longest total wait before the last error is thrown. Default 60 s. */
	maxWaitMs?: number;
	/** First pause; doubles each time up to 1 s, with jitter. Default 10 ms. */
	initialDelayMs?: number;
}

/** Runs `write` (a statement or a whole transaction) and runs it again while SQLite reports the file busy. */
export async function retryWhileBusy<T>(write: () => Promise<T>, options: BusyRetryOptions = {}): Promise<T> {
	const maxWait = options.maxWaitMs ?? 60_000;
	let delay = options.initialDelayMs ?? 10;
	const started = Date.now();
	for (;;) {
		try {
			return await write();
		} catch (error) {
			if (!isSqliteBusy(error) || Date.now() - started >= maxWait) throw error;
			await new Promise((resolve) => setTimeout(resolve, delay / 2 + Math.random() * delay));
			delay = Math.min(1000, delay * 2);
		}
	}
}
