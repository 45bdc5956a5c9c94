import type { Knex } from 'knex';
import { expect, it } from 'vitest';
import type { QueueCounts, QueueName } from '../../shared/queue-types.js';
import { QueueDepthHistory } from './queue-depth-history.js';
import { QueueDepthSampler } from './queue-depth-sampler.js';

/** Counts of one queue as `listQueues` reports them. */
export function queueCounts(queue: QueueName, counts: Partial<QueueCounts['counts']> = {}): QueueCounts {
	return { queue, paused: false, counts: { waiting: 0, active: 0, delayed: 0, completed: 0, failed: 0, paused: 0, prioritized: 0, ...counts } };
}

const at = (iso: string): Date => new Date(iso);

/** The queue depth history against one database (SQLite in the unit run, PostgreSQL in the integration run). */
export function queueDepthHistorySuite(db: () => Knex, table: () => string): void {
	it('reports the deepest sample of each queue per bucket, only for sampled buckets, within the range', async () => {
		const history = new QueueDepthHistory(db(), table());
		await history.record(at('2026-03-01T10:05:00Z'), [queueCounts('indexing', { waiting: 3, prioritized: 2, active: 1, delayed: 4 }), queueCounts('enrichment', { waiting: 1 })]);
		await history.record(at('2026-03-01T10:40:00Z'), [queueCounts('indexing', { waiting: 20 }), queueCounts('enrichment')]);
		await history.record(at('2026-03-01T12:00:00Z'), [queueCounts('indexing', { active: 2 })]);
		await history.record(at('2026-03-02T09:00:00Z'), [queueCounts('indexing', { waiting: 99 })]);

		const hours = await history.range({ from: at('2026-03-01T10:00:00Z'), to: at('2026-03-01T13:00:00Z'), interval: 'hour' });
		expect(hours).toEqual([
			{ at: '2026-03-01T10:00:00.000Z', queue: 'enrichment', depth: 1 },
			{ at: '2026-03-01T10:00:00.000Z', queue: 'indexing', depth: 20 },
			{ at: '2026-03-01T12:00:00.000Z', queue: 'indexing', depth: 2 },
		]);
		// Prioritized jobs are waiting too: 3 + 2 + 1 + 4 at 10:05.
		expect(await history.range({ from: at('2026-03-01T10:00:00Z'), to: at('2026-03-01T10:06:00Z'), interval: 'minute', queue: 'indexing' })).toEqual([{ at: '2026-03-01T10:05:00.000Z', queue: 'indexing', depth: 10 }]);
		expect(await history.range({ from: at('2026-03-01T00:00:00Z'), to: at('2026-03-03T00:00:00Z'), interval: 'day', queue: 'indexing' })).toEqual([
			{ at: '2026-03-01T00:00:00.000Z', queue: 'indexing', depth: 20 },
			{ at: '2026-03-02T00:00:00.000Z', queue: 'indexing', depth: 99 },
		]);
		// `to` is exclusive.
		expect(await history.range({ from: at('2026-03-01T11:00:00Z'), to: at('2026-03-01T12:00:00Z'), interval: 'hour' })).toEqual([]);
	});

	it('keeps one sample per queue and instant, and prunes samples older than the cut-off', async () => {
		const history = new QueueDepthHistory(db(), table());
		await history.record(at('2026-04-01T00:00:00Z'), [queueCounts('indexing', { waiting: 5 })]);
		await history.record(at('2026-04-01T00:00:00Z'), [queueCounts('indexing', { waiting: 7 })]);
		await history.record(at('2026-04-02T00:00:00Z'), [queueCounts('indexing', { waiting: 1 })]);
		const range = { from: at('2026-04-01T00:00:00Z'), to: at('2026-04-03T00:00:00Z'), interval: 'day' as const };
		// The first sample of the instant is kept.
		expect((await history.range(range)).map((p) => p.depth)).toEqual([5, 1]);
		expect(await history.prune(at('2026-04-01T12:00:00Z'))).toBe(1);
		expect(await history.range(range)).toEqual([{ at: '2026-04-02T00:00:00.000Z', queue: 'indexing', depth: 1 }]);
	});

	it('samples every queue while it holds the lease, and prunes what is past retention', async () => {
		const history = new QueueDepthHistory(db(), table());
		let now = at('2026-05-01T00:00:00Z').getTime();
		let leased = true;
		const warnings: string[] = [];
		const sampler = new QueueDepthSampler(
			{ intervalMs: 60_000, retentionMs: 86_400_000 },
			{
				listQueues: async () => ({ queues: [queueCounts('indexing', { waiting: 4 }), queueCounts('transcription', { active: 1 })] }),
				history,
				lock: { tryAcquire: async () => leased },
				logger: { warn: (m) => void warnings.push(m) },
				now: () => now,
			},
		);
		expect(await sampler.sampleOnce()).toBe(true);
		// Another process holds the lease: it samples, this one does not.
		leased = false;
		now += 60_000;
		expect(await sampler.sampleOnce()).toBe(false);
		leased = true;
		now += 2 * 86_400_000;
		expect(await sampler.sampleOnce()).toBe(true);
		const all = await history.range({ from: at('2026-04-30T00:00:00Z'), to: at('2026-05-04T00:00:00Z'), interval: 'day' });
		// The first sample is past retention by the third: only the third is left.
		expect(all).toEqual([
			{ at: '2026-05-03T00:00:00.000Z', queue: 'indexing', depth: 4 },
			{ at: '2026-05-03T00:00:00.000Z', queue: 'transcription', depth: 1 },
		]);
		expect(warnings).toEqual([]);
	});
}
