import { describe, expect, it } from 'vitest';
import type { UsageBucket } from '../../../shared/usage-types.js';
import { customRange, depthSeries, drillDownFilter, groupedSeries, intervalFor, latencySeries, MAX_SERIES, rateSeries, slots, toLocalInput } from './usage-chart-data.js';

const H = 3_600_000;
const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const labels = { total: 'Total', other: 'Other', none: '(none)' };

function bucket(hour: number, group: string | null, calls: number, extra: Partial<UsageBucket> = {}): UsageBucket {
	return { start: new Date(T0 + hour * H).toISOString(), group, calls, inputTokens: 0, outputTokens: 0, cost: 0, errors: 0, cacheHits: 0, avgLatencyMs: 0, errorRate: 0, cacheHitRate: 0, ...extra };
}

describe('usage chart data', () => {
	it('lists every slot of the range, starting at the hour or day containing "from"', () => {
		expect(slots(new Date(T0 + 30 * 60_000).toISOString(), new Date(T0 + 3 * H).toISOString(), 'hour')).toEqual([T0, T0 + H, T0 + 2 * H]);
		expect(slots(new Date(T0 + 5 * H).toISOString(), new Date(T0 + 49 * H).toISOString(), 'day')).toEqual([T0, T0 + 24 * H, T0 + 48 * H]);
	});

	it('zero-fills quiet slots and keeps the largest groups, summing the rest as "other"', () => {
		const all = [T0, T0 + H];
		const buckets = [bucket(0, 'a', 5), ...Array.from({ length: MAX_SERIES + 1 }, (_, i) => bucket(1, `g${i}`, i + 1))];
		const series = groupedSeries(buckets, all, (b) => b.calls, labels);
		expect(series).toHaveLength(MAX_SERIES);
		expect(series[0]).toEqual({ name: 'g6', data: [{ x: T0, y: 0 }, { x: T0 + H, y: 7 }] });
		const other = series.at(-1)!;
		expect(other.name).toBe('Other');
		// g0 (1), g1 (2) and g2 (3) are the smallest besides "a" (5), which ranks in.
		expect(other.data).toEqual([{ x: T0, y: 0 }, { x: T0 + H, y: 1 + 2 + 3 }]);
		expect(groupedSeries([bucket(0, null, 3)], all, (b) => b.calls, labels)).toEqual([{ name: 'Total', data: [{ x: T0, y: 3 }, { x: T0 + H, y: 0 }] }]);
	});

	it('computes rates over all groups and leaves slots without calls as gaps', () => {
		const r = rateSeries([bucket(0, 'a', 3, { errors: 1, cacheHits: 0 }), bucket(0, 'b', 1, { errors: 0, cacheHits: 1 })], [T0, T0 + H]);
		expect(r.errorRate).toEqual([{ x: T0, y: 25 }, { x: T0 + H, y: null }]);
		expect(r.cacheHitRate).toEqual([{ x: T0, y: 25 }, { x: T0 + H, y: null }]);
		const l = latencySeries([{ group: null, start: new Date(T0 + H).toISOString(), calls: 2, p50: 10, p95: 20, p99: 30, method: 'exact' }], [T0, T0 + H]);
		expect(l.p95).toEqual([{ x: T0, y: null }, { x: T0 + H, y: 20 }]);
	});

	it('builds the Directus filter of a drill-down, with missing values and roles through the user', () => {
		const range = { from: '2026-01-01T00:00:00.000Z', to: '2026-01-02T00:00:00.000Z' };
		expect(drillDownFilter(range, { model: ['m'], role: ['r1'] }, { by: 'user', value: null })).toEqual({
			_and: [{ timestamp: { _gte: range.from } }, { timestamp: { _lt: range.to } }, { model: { _in: ['m'] } }, { user: { role: { _in: ['r1'] } } }, { user: { _null: true } }],
		});
		expect(drillDownFilter(range, { collection: ['articles', null] })._and).toContainEqual({ _or: [{ collection: { _in: ['articles'] } }, { collection: { _null: true } }] });
	});
});

describe('custom range', () => {
	it('reads datetime-local values as local time and gives ISO instants', () => {
		const from = new Date(2026, 0, 31, 9, 30);
		const to = new Date(2026, 1, 2, 18, 5);
		expect(toLocalInput(from)).toBe('2026-01-31T09:30');
		expect(customRange(toLocalInput(from), toLocalInput(to))).toEqual({ from: from.toISOString(), to: to.toISOString() });
	});

	it('says why a range cannot be reported on', () => {
		expect(customRange('', '2026-01-01T00:00')).toEqual({ problem: 'missing' });
		expect(customRange('2026-01-02T00:00', '2026-01-01T00:00')).toEqual({ problem: 'order' });
		expect(customRange('2026-01-01T00:00', '2026-01-01T00:00')).toEqual({ problem: 'order' });
		expect(customRange('2025-01-01T00:00', '2026-06-01T00:00')).toEqual({ problem: 'too_long' });
	});

	it('buckets by hour up to two days, by day beyond', () => {
		expect(intervalFor(0, 2 * 24 * H)).toBe('hour');
		expect(intervalFor(0, 2 * 24 * H + 1)).toBe('day');
	});
});

describe('queue depth series', () => {
	it('draws one line per sampled queue over every bucket, with gaps where nothing was sampled', () => {
		const h = (n: number): number => Date.parse('2026-03-01T00:00:00Z') + n * 3_600_000;
		const points = [
			{ at: new Date(h(1)).toISOString(), queue: 'indexing' as const, depth: 12 },
			{ at: new Date(h(1)).toISOString(), queue: 'enrichment' as const, depth: 0 },
			{ at: new Date(h(2)).toISOString(), queue: 'indexing' as const, depth: 3 },
		];
		expect(depthSeries(points, [h(0), h(1), h(2)])).toEqual([
			{ name: 'enrichment', data: [{ x: h(0), y: null }, { x: h(1), y: 0 }, { x: h(2), y: null }] },
			{ name: 'indexing', data: [{ x: h(0), y: null }, { x: h(1), y: 12 }, { x: h(2), y: 3 }] },
		]);
		expect(depthSeries([], [h(0)])).toEqual([]);
	});
});
