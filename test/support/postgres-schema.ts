import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll } from 'vitest';
import { POSTGRES_URL } from './services.js';

/** A knex bound to a new PostgreSQL schema of its own; `drop()` removes the schema and closes the pool. */
export interface PostgresSchema {
	knex: Knex;
	schema: string;
	drop(): Promise<void>;
}

let created = 0;

export async function createPostgresSchema(prefix: string, options: { maxConnections?: number } = {}): Promise<PostgresSchema> {
	const schema = `${prefix}_${process.pid}_${created++}_${Date.now()}`;
	const admin = knexFactory({ client: 'pg', connection: POSTGRES_URL });
	try {
		await admin.raw('CREATE SCHEMA ??', [schema]);
	} finally {
		await admin.destroy();
	}
	const knex = knexFactory({ client: 'pg', connection: POSTGRES_URL, searchPath: [schema], pool: { min: 0, max: options.maxConnections ?? 2 } });
	return {
		knex,
		schema,
		async drop() {
			// Tests may have closed the pool already, so the schema is dropped over a connection of its own.
			await knex.destroy();
			const dropper = knexFactory({ client: 'pg', connection: POSTGRES_URL });
			try {
				await dropper.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
			} finally {
				await dropper.destroy();
			}
		},
	};
}

/**
 * A schema for the enclosing `describe`: created before its tests (then `setUp` runs, e.g. to
 * create tables), dropped after them. Returns a getter for the knex.
 */
export function usePostgresSchema(prefix: string, options: { maxConnections?: number; setUp?: (knex: Knex) => Promise<void> } = {}): () => Knex {
	let current: PostgresSchema | undefined;
	beforeAll(async () => {
		current = await createPostgresSchema(prefix, options);
		await options.setUp?.(current.knex);
	});
	afterAll(async () => {
		await current?.drop();
	});
	return () => {
		if (!current) throw new Error('The PostgreSQL schema is created in beforeAll; use the knex inside a test.');
		return current.knex;
	};
}
