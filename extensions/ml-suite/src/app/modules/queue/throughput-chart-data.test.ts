import { describe, expect, it } from 'vitest';
import { throughputChartData } from './throughput-chart-data.js';

const m = (n: number): string => new Date(Date.UTC(2026, 0, 1, 12, n)).toISOString();

describe('throughputChartData', () => {
	it('sums queues by minute (aligned by timestamp) and scales to the box with y pointing down', () => {
		const chart = throughputChartData(
			[
				{ queue: 'indexing', points: [{ minute: m(0), completed: 2, failed: 0 }, { minute: m(1), completed: 4, failed: 1 }, { minute: m(2), completed: 0, failed: 0 }] },
				// Reports only the later minutes: must add to minutes 1 and 2, not 0 and 1.
				{ queue: 'enrichment', points: [{ minute: m(1), completed: 4, failed: 0 }, { minute: m(2), completed: 1, failed: 3 }] },
			],
			100,
			50,
		);
		expect(chart.max).toBe(8);
		expect(chart.series.find((s) => s.key === 'completed')).toEqual({ key: 'completed', points: '0,37.5 50,0 100,43.8', total: 11 });
		expect(chart.series.find((s) => s.key === 'failed')).toEqual({ key: 'failed', points: '0,50 50,43.8 100,31.3', total: 4 });
		expect([chart.from, chart.to]).toEqual([m(0), m(2)]);
	});

	it('keeps a flat line at the bottom when nothing ran, and copes with no data', () => {
		const idle = throughputChartData([{ queue: 'indexing', points: [{ minute: m(0), completed: 0, failed: 0 }, { minute: m(1), completed: 0, failed: 0 }] }], 10, 10);
		expect(idle.max).toBe(1);
		expect(idle.series[0]?.points).toBe('0,10 10,10');
		expect(throughputChartData([], 10, 10)).toEqual({ series: [{ key: 'completed', points: '', total: 0 }, { key: 'failed', points: '', total: 0 }], max: 1, from: null, to: null });
	});
});
