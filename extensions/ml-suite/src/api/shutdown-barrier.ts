import type { Knex } from 'knex';

const WRAPPED = Symbol.for('ml-suite.shutdown-barrier');

/**
 * Runs `beforeDestroy` (the suite's shutdown: drain workers, flush the write-behind buffers)
 * before Directus destroys its database connections. Directus's graceful shutdown destroys the
 * knex pool in its signal handler and only afterwards emits `server.stop` (without awaiting its
 * handlers) before the process exits, so a flush started from `server.stop` finds no database:
 * usage rows, cached vectors, queue history and coalesced index changes of the last moments
 * would be lost. Wrapping the pool's `destroy` is the one point that runs while the database is
 * still open; it is idempotent and keeps the original behaviour (the pool is always destroyed).
 */
export function closeBeforeDatabaseDestroy(database: Knex, beforeDestroy: () => Promise<void>): void {
	const target = database as Knex & { [WRAPPED]?: true };
	if (target[WRAPPED]) return;
	const destroy = database.destroy.bind(database) as (callback?: (error?: unknown) => void) => Promise<void>;
	const wrapped = async (callback?: (error?: unknown) => void): Promise<void> => {
		try {
			await beforeDestroy();
		} catch {
			// The suite logs its own shutdown errors; the pool is destroyed whatever happened.
		}
		return destroy(callback);
	};
	Object.defineProperty(target, 'destroy', { value: wrapped, configurable: true, writable: true });
	Object.defineProperty(target, WRAPPED, { value: true });
}
