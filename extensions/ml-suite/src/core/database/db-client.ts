import type { Knex } from 'knex';

/** Whether `db` talks to PostgreSQL (Directus's `pg` client). */
export function isPostgres(db: Knex): boolean {
	const client = String(db.client.config?.client ?? '');
	return client === 'pg' || client === 'postgres' || client === 'postgresql';
}

/** Whether `db` talks to SQLite (`sqlite3` or `better-sqlite3`). */
export function isSqlite(db: Knex): boolean {
	const client = String(db.client.config?.client ?? '');
	return client === 'sqlite3' || client === 'better-sqlite3';
}
