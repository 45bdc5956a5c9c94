import { describe } from 'vitest';
import { usePostgresSchema } from '../../../../../test/support/postgres-schema.js';
import { skipUnless } from '../../../../../test/support/services.js';
import { createIndexingTables } from './indexing-tables.fixtures.js';
import { lastWriterWinsSuite } from './last-writer-wins.conformance.js';

describe.skipIf(await skipUnless('postgres'))('last-writer-wins indexing (PostgreSQL)', () => {
	lastWriterWinsSuite(usePostgresSchema('ml_lww_test', { maxConnections: 6, setUp: createIndexingTables }));
});
