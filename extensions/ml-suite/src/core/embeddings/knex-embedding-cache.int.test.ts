import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, describe } from 'vitest';
import { POSTGRES_URL, skipUnless } from '../../../../../test/support/services.js';
import { knexEmbeddingCacheSuite } from './knex-embedding-cache.conformance.js';

describe.skipIf(await skipUnless('postgres'))('KnexEmbeddingCache (PostgreSQL)', () => {
	const schema = `ml_cache_test_${process.pid}_${Date.now()}`;
	let knex: Knex;

	beforeAll(async () => {
		const admin = knexFactory({ client: 'pg', connection: POSTGRES_URL });
		await admin.raw('CREATE SCHEMA ??', [schema]);
		await admin.destroy();
		knex = knexFactory({ client: 'pg', connection: POSTGRES_URL, searchPath: [schema], pool: { min: 0, max: 2 } });
	});
	afterAll(async () => {
		await knex?.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
		await knex?.destroy();
	});

	knexEmbeddingCacheSuite(() => knex);
});
