import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, describe } from 'vitest';
import { POSTGRES_URL, skipUnless } from '../../../../../test/support/services.js';
import { knexLeaseLockSuite } from './knex-lease-lock.conformance.js';

describe.skipIf(await skipUnless('postgres'))('KnexLeaseLock (PostgreSQL)', () => {
	const schema = `ml_lock_test_${process.pid}_${Date.now()}`;
	let db: Knex;
	beforeAll(async () => {
		const admin = knexFactory({ client: 'pg', connection: POSTGRES_URL });
		await admin.raw('CREATE SCHEMA ??', [schema]);
		await admin.destroy();
		db = knexFactory({ client: 'pg', connection: POSTGRES_URL, searchPath: [schema], pool: { min: 0, max: 8 } });
	});
	afterAll(async () => {
		await db?.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
		await db?.destroy();
	});
	knexLeaseLockSuite(() => db, 'ml_locks');
});
