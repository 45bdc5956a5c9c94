import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, describe } from 'vitest';
import { SqliteFullTextIndex } from '../search/sqlite-full-text-index.js';
import { indexingOverlapSuite } from './indexing-overlap.conformance.js';
import { createIndexingTables } from './indexing-tables.fixtures.js';

describe('overlapping index writes (SQLite, FTS5)', () => {
	let db: Knex;
	beforeAll(async () => {
		db = knexFactory({ client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
		await createIndexingTables(db);
	});
	afterAll(async () => {
		await db.destroy();
	});
	indexingOverlapSuite(
		() => db,
		(knex) => new SqliteFullTextIndex({ knex }),
	);
});
