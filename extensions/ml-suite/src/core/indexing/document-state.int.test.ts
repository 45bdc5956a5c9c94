import { describe, it } from 'vitest';
import { usePostgresSchema } from '../../../../../test/support/postgres-schema.js';
import { skipUnless } from '../../../../../test/support/services.js';
import { expectMarkIndexedRows } from './document-state-rows.fixtures.js';
import { createIndexingTables } from './indexing-tables.fixtures.js';

describe.skipIf(await skipUnless('postgres'))('DocumentStateRepository on PostgreSQL', () => {
	const db = usePostgresSchema('ml_docstate_test', { setUp: createIndexingTables });

	it('markIndexed stores exactly the state and chunk rows, skipping superseded items', async () => {
		await expectMarkIndexedRows(db());
	});
});
