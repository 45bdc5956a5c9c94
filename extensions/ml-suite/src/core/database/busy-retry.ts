import type { Knex } from 'knex';

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

/**
 * A transaction that writes, run again while SQLite reports the file busy.
 *
 * SQLite waits for another writer (the driver's busy timeout) only when a transaction's first
 * lock is a write lock; a transaction that reads first and writes later gets SQLITE_BUSY at
 * once when the other writer holds the lock, and against a writer that is busy most of the time
 * (a Directus instance flushing usage) its retries can lose for a minute. So on SQLite the
 * transaction opens with a write to `lockTable` (an ordinary rowid table) that changes nothing, which makes SQLite wait its
 * turn; on other databases nothing is added.
 */
export function writeTransaction<T>(knex: Knex, lockTable: string, options: BusyRetryOptions, work: (trx: Knex.Transaction) => Promise<T>): Promise<T> {
	const sqlite = isSqliteClient(knex);
	return retryWhileBusy(
		() =>
			knex.transaction(async (trx) => {
				if (sqlite) await trx.raw('update ?? set rowid = rowid where 0', [lockTable]);
				return work(trx);
			}),
		options,
	);
}

function isSqliteClient(knex: Knex): boolean {
	const client = (knex.client as { config?: { client?: unknown } }).config?.client;
	return client === 'sqlite3' || client === 'better-sqlite3';
}
