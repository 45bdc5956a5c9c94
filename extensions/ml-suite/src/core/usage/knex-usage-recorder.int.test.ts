import { describe, expect, it } from 'vitest';
import { usePostgresSchema } from '../../../../../test/support/postgres-schema.js';
import { skipUnless } from '../../../../../test/support/services.js';
import { KnexUsageRecorder } from './knex-usage-recorder.js';
import { usageEvent } from './usage-recorder.fixtures.js';
import { createUsageTable } from './usage-table.js';

describe.skipIf(await skipUnless('postgres'))('KnexUsageRecorder (PostgreSQL)', () => {
	const db = usePostgresSchema('ml_usage_test', { setUp: createUsageTable });

	it('writes typed rows: uuid-like user, float cost, boolean cache_hit, timestamp', async () => {
		const knex = db();
		const recorder = new KnexUsageRecorder({ knex, flushIntervalMs: 60_000, maxBatchSize: 70 });
		for (let i = 0; i < 140; i++) recorder.record(usageEvent({ item: String(i), cacheHit: i % 2 === 0, cost: i / 1e6 }));
		recorder.record(usageEvent({ status: 'error', errorCode: 'PROVIDER_ERROR', user: null }));
		await recorder.close();
		const rows = await knex('ml_usage').orderBy('id');
		expect(rows).toHaveLength(141);
		expect(rows[3]).toMatchObject({ item: '3', cache_hit: false, cost: 0.000003, latency_ms: 13 });
		expect(rows[4]).toMatchObject({ cache_hit: true });
		expect(rows[0].timestamp).toBeInstanceOf(Date);
		expect((rows[0].timestamp as Date).toISOString()).toBe('2025-01-02T03:04:05.000Z');
		expect(rows[140]).toMatchObject({ status: 'error', error_code: 'PROVIDER_ERROR', user: null });
	});
});
