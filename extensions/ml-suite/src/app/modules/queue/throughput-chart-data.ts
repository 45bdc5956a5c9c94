import type { QueueCounts, QueueThroughput } from '../../../shared/queue-types.js';

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

/**
 * The summed per-minute throughput re-bucketed into coarser time buckets (the Usage module's
 * hours or days): `starts` are the bucket starts (ms), each `stepMs` long. Minutes outside the
 * buckets are dropped; buckets without finished jobs are 0.
 */
export function bucketedThroughput(queues: readonly QueueThroughput[], starts: readonly number[], stepMs: number): { completed: { x: number; y: number }[]; failed: { x: number; y: number }[] } {
	const completed = starts.map((x) => ({ x, y: 0 }));
	const failed = starts.map((x) => ({ x, y: 0 }));
	if (starts.length === 0) return { completed, failed };
	const series = throughputSeries(queues);
	const add = (points: [number, number][], into: { x: number; y: number }[]): void => {
		for (const [at, count] of points) {
			const i = Math.floor((at - starts[0]!) / stepMs);
			if (i >= 0 && i < into.length) into[i]!.y += count;
		}
	};
	add(series.completed, completed);
	add(series.failed, failed);
	return { completed, failed };
}

/** Jobs not finished yet over the given queues, now: waiting (incl. prioritized), active, delayed. */
export function queueDepth(queues: readonly QueueCounts[]): { waiting: number; active: number; delayed: number } {
	return queues.reduce(
		(sum, q) => ({ waiting: sum.waiting + q.counts.waiting + q.counts.prioritized, active: sum.active + q.counts.active, delayed: sum.delayed + q.counts.delayed }),
		{ waiting: 0, active: 0, delayed: 0 },
	);
}
