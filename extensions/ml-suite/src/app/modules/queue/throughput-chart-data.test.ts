import { describe, expect, it } from 'vitest';
import { queueTotals, throughputSeries } from './throughput-chart-data.js';

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
