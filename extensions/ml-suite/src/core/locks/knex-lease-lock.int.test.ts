import { describe } from 'vitest';
import { usePostgresSchema } from '../../../../../test/support/postgres-schema.js';
import { skipUnless } from '../../../../../test/support/services.js';
import { knexLeaseLockSuite } from './knex-lease-lock.conformance.js';

describe.skipIf(await skipUnless('postgres'))('KnexLeaseLock (PostgreSQL)', () => {
	const db = usePostgresSchema('ml_lock_test', { maxConnections: 8 });
	knexLeaseLockSuite(db, 'ml_locks');
});
