import { afterEach, describe } from 'vitest';
import { usePostgresSchema } from '../../../../../test/support/postgres-schema.js';
import { skipUnless } from '../../../../../test/support/services.js';
import { queueDepthHistorySuite } from './queue-depth-history.conformance.js';

describe.skipIf(await skipUnless('postgres'))('QueueDepthHistory (PostgreSQL)', () => {
	const db = usePostgresSchema('ml_queue_depth_test');
	afterEach(async () => {
		await db().schema.dropTableIfExists('ml_queue_depth');
	});
	queueDepthHistorySuite(db, () => 'ml_queue_depth');
});
