import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, describe } from 'vitest';
import { POSTGRES_URL, skipUnless } from '../../../../../test/support/services.js';
import { fullTextIndexSuite } from './full-text-index.conformance.js';
import { PostgresFullTextIndex } from './postgres-full-text-index.js';

describe.skipIf(await skipUnless('postgres'))('PostgresFullTextIndex', () => {
	const prefix = `ml_fts_test_${process.pid}_${Date.now()}`;
	let admin: Knex;
	const open: Knex[] = [];
	let n = 0;

	beforeAll(() => {
		admin = knexFactory({ client: 'pg', connection: POSTGRES_URL, pool: { min: 0, max: 1 } });
	});
	afterAll(async () => {
		for (const knex of open) await knex.destroy();
		for (let i = 0; i < n; i++) await admin.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [`${prefix}_${i}`]);
		await admin.destroy();
	});

	fullTextIndexSuite(() => {
		const schema = `${prefix}_${n++}`;
		const knex = knexFactory({ client: 'pg', connection: POSTGRES_URL, searchPath: [schema], pool: { min: 0, max: 2, afterCreate: (conn: { query(sql: string, cb: (error: Error | null) => void): void }, done: (error: Error | null, conn: unknown) => void) => conn.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`, (error) => done(error, conn)) } });
		open.push(knex);
		return new PostgresFullTextIndex({ knex });
	});
});
