import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, describe } from 'vitest';
import { SqliteFullTextIndex } from '../search/sqlite-full-text-index.js';
import { indexingOverlapSuite } from './indexing-overlap.conformance.js';
import { createIndexingTables } from './indexing-tables.fixtures.js';
import { lastWriterWinsSuite } from './last-writer-wins.conformance.js';

describe('last-writer-wins indexing (SQLite)', () => {
	let db: Knex;
	beforeAll(async () => {
		db = knexFactory({ client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
		await createIndexingTables(db);
	});
	afterAll(async () => {
		await db.destroy();
	});
	lastWriterWinsSuite(() => db);
	describe('overlapping index writes (FTS5)', () => {
		indexingOverlapSuite(
			() => db,
			(knex) => new SqliteFullTextIndex({ knex }),
		);
	});
});
