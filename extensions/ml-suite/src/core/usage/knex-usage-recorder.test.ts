import knexFactory, { type Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { computeCost } from './compute-cost.js';
import { KnexUsageRecorder } from './knex-usage-recorder.js';
import { usageEvent } from './usage-recorder.fixtures.js';
import { createUsageTable } from './usage-table.js';

let knex: Knex;
let logs: string[];
const logger = { warn: (m: string) => logs.push(`warn: ${m}`), error: (m: string) => logs.push(`error: ${m}`) };

beforeEach(async () => {
	knex = knexFactory({ client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
	await createUsageTable(knex);
	logs = [];
});
afterEach(async () => {
	await knex.destroy();
});

describe('KnexUsageRecorder (sqlite3)', () => {
	it('writes buffered events with every column on flush', async () => {
		const recorder = new KnexUsageRecorder({ knex, flushIntervalMs: 60_000, logger });
		recorder.record(usageEvent());
		recorder.record(usageEvent({ status: 'error', errorCode: 'PROVIDER_TIMEOUT', user: null, cacheHit: true, item: null }));
		expect(await knex('ml_usage').count({ n: '*' })).toEqual([{ n: 0 }]);
		await recorder.flush();
		const rows = await knex('ml_usage').orderBy('id');
		expect(rows).toHaveLength(2);
		expect(rows[0]).toMatchObject({
			user: '3f2a9c1e-0000-4000-8000-000000000001',
			source_type: 'route',
			source: 'route:POST /ml/embeddings/batch',
			capability: 'embedding',
			provider: 'local',
			model: 'local-hash-384',
			collection: 'articles',
			item: '12',
			input_tokens: 42,
			output_tokens: 0,
			cost: 0.0000042,
			latency_ms: 13,
			status: 'success',
			error_code: null,
			cache_hit: 0,
		});
		expect(new Date(rows[0].timestamp).toISOString()).toBe('2025-01-02T03:04:05.000Z');
		expect(rows[1]).toMatchObject({ status: 'error', error_code: 'PROVIDER_TIMEOUT', user: null, cache_hit: 1, item: null });
		expect(recorder.pending).toBe(0);
		await recorder.close();
	});

	it('flushes on its own once a batch is full, in statements SQLite accepts', async () => {
		const recorder = new KnexUsageRecorder({ knex, flushIntervalMs: 60_000, maxBatchSize: 120 });
		for (let i = 0; i < 120; i++) recorder.record(usageEvent({ item: String(i) }));
		await recorder.flush();
		const rows = await knex('ml_usage').select('item').orderBy('id');
		expect(rows.map((r: { item: string }) => r.item)).toEqual(Array.from({ length: 120 }, (_, i) => String(i)));
		await recorder.close();
	});

	it('flushes on the interval', async () => {
		const recorder = new KnexUsageRecorder({ knex, flushIntervalMs: 100 });
		recorder.record(usageEvent());
		await expect.poll(async () => (await knex('ml_usage').count({ n: '*' }))[0]!.n, { timeout: 3000, interval: 50 }).toBe(1);
		await recorder.close();
	});

	it('never throws from record, keeps failed events for the next flush and logs the failure', async () => {
		const recorder = new KnexUsageRecorder({ knex, table: 'ml_usage_missing', flushIntervalMs: 60_000, logger });
		expect(() => recorder.record(usageEvent())).not.toThrow();
		await recorder.flush();
		expect(recorder.pending).toBe(1);
		expect(logs.some((l) => l.startsWith('error: Could not write 1 usage events to ml_usage_missing'))).toBe(true);
		await createUsageTable(knex, 'ml_usage_missing');
		await recorder.flush();
		expect(recorder.pending).toBe(0);
		expect(await knex('ml_usage_missing').count({ n: '*' })).toEqual([{ n: 1 }]);
		await recorder.close();
	});

	it('bounds memory while the database fails, dropping the oldest events and saying how many', async () => {
		const recorder = new KnexUsageRecorder({ knex, table: 'ml_usage_later', flushIntervalMs: 60_000, maxBatchSize: 2, maxBuffered: 5, logger });
		for (let i = 0; i < 9; i++) recorder.record(usageEvent({ item: String(i) }));
		await recorder.flush();
		expect(recorder.pending).toBe(5);
		await createUsageTable(knex, 'ml_usage_later');
		await recorder.flush();
		const items = (await knex('ml_usage_later').select('item').orderBy('id')).map((r: { item: string }) => r.item);
		expect(items).toEqual(['4', '5', '6', '7', '8']);
		expect(logs.some((l) => /Dropped 4 usage events/.test(l))).toBe(true);
		await recorder.close();
	});

	it('writes what is left on close and ignores events recorded afterwards', async () => {
		const recorder = new KnexUsageRecorder({ knex, flushIntervalMs: 60_000, logger });
		recorder.record(usageEvent());
		await recorder.close();
		recorder.record(usageEvent());
		await recorder.flush();
		expect(await knex('ml_usage').count({ n: '*' })).toEqual([{ n: 1 }]);
	});
});

describe('computeCost', () => {
	it('leaves events recorded while a flush writes for the next flush: one transaction per interval under load, not one per commit', async () => {
		const recorder = new KnexUsageRecorder({ knex, flushIntervalMs: 60_000, rollupTable: null });
		let transactions = 0;
		knex.on('query', (q: { sql?: string }) => {
			if (/^begin/i.test(q.sql ?? '')) {
				transactions++;
				// Calls keep arriving while the transaction runs.
				for (let i = 0; i < 5; i++) recorder.record(usageEvent({ item: `during-${transactions}-${i}` }));
			}
		});
		recorder.record(usageEvent({ item: 'before' }));
		await recorder.flush();
		expect(transactions).toBe(1);
		expect(await knex('ml_usage').pluck('item')).toEqual(['before']);
		expect(recorder.pending).toBe(5);
		await recorder.flush();
		expect(transactions).toBe(2);
		expect(recorder.pending).toBe(5);
		knex.removeAllListeners('query');
		await recorder.close();
		expect(recorder.pending).toBe(0);
		expect(await knex('ml_usage').count({ n: '*' })).toEqual([{ n: 11 }]);
	});

	it('prices input and output tokens per million', () => {
		expect(computeCost({ inputPricePerMillion: 0.15, outputPricePerMillion: 0.6 }, 1000, 500)).toBeCloseTo(0.00045, 12);
		expect(computeCost({ inputPricePerMillion: 0.02, outputPricePerMillion: 0 }, 1_000_000, 0)).toBe(0.02);
		expect(computeCost({ inputPricePerMillion: 0, outputPricePerMillion: 0 }, 5000, 5000)).toBe(0);
		expect(computeCost({ inputPricePerMillion: 1, outputPricePerMillion: 1 }, -5, Number.NaN)).toBe(0);
	});
});
