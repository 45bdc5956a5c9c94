import type { QueueThroughput } from '../../../shared/queue-types.js';

/** Chart series: one `[timestamp ms, count]` point per minute, summed over the queues. */
export interface ThroughputSeries {
	completed: [number, number][];
	failed: [number, number][];
	/** Sums over the window; the queue cards show the same per-queue figures. */
	totals: { completed: number; failed: number };
	/** Largest per-minute total (completed + failed), at least 1. */
	max: number;
}

/**
 * Sums the queues minute by minute. Queues may report different minute ranges; they are
 * aligned by the minute's timestamp, not by position.
 */
export function throughputSeries(queues: readonly QueueThroughput[]): ThroughputSeries {
	const byMinute = new Map<number, { completed: number; failed: number }>();
	for (const queue of queues) {
		for (const point of queue.points) {
			const at = Date.parse(point.minute);
			const sum = byMinute.get(at) ?? { completed: 0, failed: 0 };
			sum.completed += point.completed;
			sum.failed += point.failed;
			byMinute.set(at, sum);
		}
	}
	const minutes = [...byMinute.keys()].sort((a, b) => a - b);
	const rows = minutes.map((at) => ({ at, ...byMinute.get(at)! }));
	return {
		completed: rows.map((r) => [r.at, r.completed]),
		failed: rows.map((r) => [r.at, r.failed]),
		totals: { completed: rows.reduce((n, r) => n + r.completed, 0), failed: rows.reduce((n, r) => n + r.failed, 0) },
		max: Math.max(1, ...rows.map((r) => r.completed + r.failed)),
	};
}

/** One queue's totals over the window (what its card shows). */
export function queueTotals(queue: QueueThroughput | undefined): { completed: number; failed: number } {
	const points = queue?.points ?? [];
	return { completed: points.reduce((n, p) => n + p.completed, 0), failed: points.reduce((n, p) => n + p.failed, 0) };
}
