import knexFactory, { type Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QueueDepthHistory } from './queue-depth-history.js';
import { queueDepthHistorySuite } from './queue-depth-history.conformance.js';
import { QueueDepthSampler } from './queue-depth-sampler.js';

describe('QueueDepthHistory (SQLite)', () => {
	let knex: Knex;
	beforeEach(() => {
		knex = knexFactory({ client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
	});
	afterEach(async () => {
		await knex.destroy();
	});

	queueDepthHistorySuite(() => knex, () => 'ml_queue_depth');

	it('logs a failed sample instead of throwing (it runs on a timer)', async () => {
		const warnings: string[] = [];
		const sampler = new QueueDepthSampler(
			{ intervalMs: 60_000, retentionMs: 86_400_000 },
			{
				listQueues: async () => {
					throw new Error('Redis is down');
				},
				history: new QueueDepthHistory(knex),
				lock: { tryAcquire: async () => true },
				logger: { warn: (m) => void warnings.push(m) },
			},
		);
		expect(await sampler.sampleOnce()).toBe(false);
		expect(warnings).toEqual(['[ml-suite] sampling the queue depth failed: Redis is down']);
		// Nothing was written; the next tick tries again.
		expect(await new QueueDepthHistory(knex).range({ from: new Date(0), to: new Date(), interval: 'day' })).toEqual([]);
	});
});
