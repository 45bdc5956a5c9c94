import { describe } from 'vitest';
import { usePostgresSchema } from '../../../../../test/support/postgres-schema.js';
import { skipUnless } from '../../../../../test/support/services.js';
import { knexEmbeddingCacheSuite } from './knex-embedding-cache.conformance.js';

describe.skipIf(await skipUnless('postgres'))('KnexEmbeddingCache (PostgreSQL)', () => {
	knexEmbeddingCacheSuite(usePostgresSchema('ml_cache_test'));
});
