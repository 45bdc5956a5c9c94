import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, describe } from 'vitest';
import { knexLeaseLockSuite } from './knex-lease-lock.conformance.js';

describe('KnexLeaseLock (SQLite)', () => {
	let db: Knex;
	beforeAll(() => {
		db = knexFactory({ client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
	});
	afterAll(async () => {
		await db.destroy();
	});
	knexLeaseLockSuite(() => db, 'ml_locks');
});
