import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, describe } from 'vitest';
import { POSTGRES_URL, skipUnless } from '../../../../../test/support/services.js';
import { createIndexingTables } from './indexing-tables.fixtures.js';
import { lastWriterWinsSuite } from './last-writer-wins.conformance.js';

describe.skipIf(await skipUnless('postgres'))('last-writer-wins indexing (PostgreSQL)', () => {
	const schema = `ml_lww_test_${process.pid}_${Date.now()}`;
	let db: Knex;
	beforeAll(async () => {
		const admin = knexFactory({ client: 'pg', connection: POSTGRES_URL });
		await admin.raw('CREATE SCHEMA ??', [schema]);
		await admin.destroy();
		db = knexFactory({ client: 'pg', connection: POSTGRES_URL, searchPath: [schema], pool: { min: 0, max: 6 } });
		await createIndexingTables(db);
	});
	afterAll(async () => {
		await db?.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
		await db?.destroy();
	});
	lastWriterWinsSuite(() => db);
});
