import { describe, expect, it } from 'vitest';
import { bucketedThroughput, queueDepth, queueTotals, throughputSeries } from './throughput-chart-data.js';

const m = (n: number): string => new Date(Date.UTC(2026, 0, 1, 12, n)).toISOString();
const at = (n: number): number => Date.UTC(2026, 0, 1, 12, n);

describe('throughputSeries', () => {
	it('sums queues by minute, aligned by timestamp, with totals equal to the per-queue totals', () => {
		const queues = [
			{ queue: 'indexing' as const, points: [{ minute: m(0), completed: 2, failed: 0 }, { minute: m(1), completed: 4, failed: 1 }, { minute: m(2), completed: 0, failed: 0 }] },
			// Reports only the later minutes: must add to minutes 1 and 2, not 0 and 1.
			{ queue: 'maintenance' as const, points: [{ minute: m(1), completed: 4, failed: 0 }, { minute: m(2), completed: 1, failed: 3 }] },
		];
		const series = throughputSeries(queues);
		expect(series.completed).toEqual([[at(0), 2], [at(1), 8], [at(2), 1]]);
		expect(series.failed).toEqual([[at(0), 0], [at(1), 1], [at(2), 3]]);
		expect(series.max).toBe(9);
		const perQueue = queues.map((q) => queueTotals(q));
		expect(series.totals).toEqual({ completed: perQueue.reduce((n, q) => n + q.completed, 0), failed: perQueue.reduce((n, q) => n + q.failed, 0) });
		expect(series.totals).toEqual({ completed: 11, failed: 4 });
	});

	it('copes with no data', () => {
		expect(throughputSeries([])).toEqual({ completed: [], failed: [], totals: { completed: 0, failed: 0 }, max: 1 });
		expect(queueTotals(undefined)).toEqual({ completed: 0, failed: 0 });
	});
});

describe('bucketedThroughput', () => {
	it('sums minutes of every queue into the buckets they fall in, zero elsewhere, dropping minutes outside', () => {
		const hour = 3_600_000;
		const h = (n: number, minute = 0): string => new Date(Date.UTC(2026, 0, 1, n, minute)).toISOString();
		const queues = [
			{ queue: 'indexing' as const, points: [{ minute: h(9, 59), completed: 5, failed: 0 }, { minute: h(10, 0), completed: 2, failed: 1 }, { minute: h(10, 59), completed: 3, failed: 0 }] },
			{ queue: 'maintenance' as const, points: [{ minute: h(10, 30), completed: 1, failed: 2 }, { minute: h(12, 0), completed: 7, failed: 0 }] },
		];
		const starts = [Date.UTC(2026, 0, 1, 10), Date.UTC(2026, 0, 1, 11)];
		const out = bucketedThroughput(queues, starts, hour);
		expect(out.completed).toEqual([{ x: starts[0], y: 6 }, { x: starts[1], y: 0 }]);
		expect(out.failed).toEqual([{ x: starts[0], y: 3 }, { x: starts[1], y: 0 }]);
		expect(bucketedThroughput(queues, [], hour)).toEqual({ completed: [], failed: [] });
	});
});

describe('queueDepth', () => {
	it('adds waiting and prioritized, active and delayed over the queues', () => {
		const counts = (waiting: number, prioritized: number, active: number, delayed: number) => ({ waiting, prioritized, active, delayed, completed: 9, failed: 9, paused: 0 });
		expect(queueDepth([{ queue: 'indexing', paused: false, counts: counts(1, 2, 3, 4) }, { queue: 'maintenance', paused: false, counts: counts(10, 0, 1, 0) }])).toEqual({ waiting: 13, active: 4, delayed: 4 });
		expect(queueDepth([])).toEqual({ waiting: 0, active: 0, delayed: 0 });
	});
});
