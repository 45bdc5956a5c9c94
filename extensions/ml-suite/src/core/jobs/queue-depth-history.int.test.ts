import knexFactory, { type Knex } from 'knex';
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { POSTGRES_URL, skipUnless } from '../../../../../test/support/services.js';
import { queueDepthHistorySuite } from './queue-depth-history.conformance.js';

describe.skipIf(await skipUnless('postgres'))('QueueDepthHistory (PostgreSQL)', () => {
	const schema = `ml_queue_depth_test_${process.pid}_${Date.now()}`;
	let db: Knex;
	beforeAll(async () => {
		const admin = knexFactory({ client: 'pg', connection: POSTGRES_URL });
		await admin.raw('CREATE SCHEMA ??', [schema]);
		await admin.destroy();
		db = knexFactory({ client: 'pg', connection: POSTGRES_URL, searchPath: [schema], pool: { min: 0, max: 2 } });
	});
	afterEach(async () => {
		await db.schema.dropTableIfExists('ml_queue_depth');
	});
	afterAll(async () => {
		await db?.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
		await db?.destroy();
	});
	queueDepthHistorySuite(() => db, () => 'ml_queue_depth');
});
