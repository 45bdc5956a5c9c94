import { describe } from 'vitest';
import { usePostgresSchema } from '../../../../../test/support/postgres-schema.js';
import { skipUnless } from '../../../../../test/support/services.js';
import { PostgresFullTextIndex } from '../search/postgres-full-text-index.js';
import { createIndexingTables } from './indexing-tables.fixtures.js';
import { indexingOverlapSuite } from './indexing-overlap.conformance.js';
import { lastWriterWinsSuite } from './last-writer-wins.conformance.js';

describe.skipIf(await skipUnless('postgres'))('last-writer-wins indexing (PostgreSQL)', () => {
	const db = usePostgresSchema('ml_lww_test', { maxConnections: 6, setUp: createIndexingTables });
	lastWriterWinsSuite(db);
	describe('overlapping index writes (its keyword engine)', () => {
		indexingOverlapSuite(db, (knex) => new PostgresFullTextIndex({ knex }));
	});
});
