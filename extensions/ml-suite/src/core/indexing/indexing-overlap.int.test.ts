import { describe } from 'vitest';
import { usePostgresSchema } from '../../../../../test/support/postgres-schema.js';
import { skipUnless } from '../../../../../test/support/services.js';
import { PostgresFullTextIndex } from '../search/postgres-full-text-index.js';
import { indexingOverlapSuite } from './indexing-overlap.conformance.js';
import { createIndexingTables } from './indexing-tables.fixtures.js';

describe.skipIf(await skipUnless('postgres'))('overlapping index writes (PostgreSQL, its keyword engine)', () => {
	indexingOverlapSuite(
		usePostgresSchema('ml_overlap_test', { maxConnections: 6, setUp: createIndexingTables }),
		(knex) => new PostgresFullTextIndex({ knex }),
	);
});
