import type { QueueThroughput } from '../../../shared/queue-types.js';

/** One series of the throughput chart, as SVG polyline points. */
export interface ChartSeries {
	key: 'completed' | 'failed';
	points: string;
	total: number;
}

export interface ThroughputChart {
	series: ChartSeries[];
	/** Largest per-minute value (the top of the y axis), at least 1. */
	max: number;
	/** First and last minute shown (ISO), or null when there is no data. */
	from: string | null;
	to: string | null;
}

/**
 * Sums the queues minute by minute and scales the result into a `width`×`height` box
 * (y grows downwards in SVG, so a value of `max` sits at 0). Queues may report different
 * minute ranges; they are aligned by the minute's timestamp, not by position.
 */
export function throughputChartData(queues: readonly QueueThroughput[], width: number, height: number): ThroughputChart {
	const byMinute = new Map<string, { completed: number; failed: number }>();
	for (const queue of queues) {
		for (const point of queue.points) {
			const sum = byMinute.get(point.minute) ?? { completed: 0, failed: 0 };
			sum.completed += point.completed;
			sum.failed += point.failed;
			byMinute.set(point.minute, sum);
		}
	}
	const minutes = [...byMinute.keys()].sort((a, b) => Date.parse(a) - Date.parse(b));
	const rows = minutes.map((minute) => byMinute.get(minute)!);
	const max = Math.max(1, ...rows.map((r) => Math.max(r.completed, r.failed)));
	const step = rows.length > 1 ? width / (rows.length - 1) : 0;
	const line = (key: 'completed' | 'failed'): ChartSeries => ({
		key,
		points: rows.map((r, i) => `${round(i * step)},${round(height - (r[key] / max) * height)}`).join(' '),
		total: rows.reduce((n, r) => n + r[key], 0),
	});
	return { series: [line('completed'), line('failed')], max, from: minutes[0] ?? null, to: minutes.at(-1) ?? null };
}

function round(value: number): number {
	return Math.round(value * 10) / 10;
}
