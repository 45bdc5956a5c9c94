import type { ThroughputPoint } from '../../shared/queue-types.js';

const MINUTE = 60_000;

/** Completed/failed counts per minute, for the inline backend's throughput chart. */
export class MinuteCounter {
	private readonly buckets = new Map<number, { completed: number; failed: number }>();

	private readonly keepMinutes: number;

	/** @param keepMinutes minutes of history kept. */
	constructor(keepMinutes: number) {
		this.keepMinutes = keepMinutes;
	}

	record(outcome: 'completed' | 'failed', at: number = Date.now()): void {
		const minute = Math.floor(at / MINUTE);
		const bucket = this.buckets.get(minute) ?? { completed: 0, failed: 0 };
		bucket[outcome]++;
		this.buckets.set(minute, bucket);
		for (const key of this.buckets.keys()) if (key <= minute - this.keepMinutes) this.buckets.delete(key);
	}

	/** Adds counts read back from a journal (`minute` in epoch minutes). */
	restore(minute: number, completed: number, failed: number): void {
		const bucket = this.buckets.get(minute) ?? { completed: 0, failed: 0 };
		bucket.completed += completed;
		bucket.failed += failed;
		this.buckets.set(minute, bucket);
	}

	/** The last `minutes` minutes up to the current one, oldest first. */
	points(minutes: number, now: number = Date.now()): ThroughputPoint[] {
		const current = Math.floor(now / MINUTE);
		const points: ThroughputPoint[] = [];
		for (let minute = current - minutes + 1; minute <= current; minute++) {
			const bucket = this.buckets.get(minute);
			points.push({ minute: new Date(minute * MINUTE).toISOString(), completed: bucket?.completed ?? 0, failed: bucket?.failed ?? 0 });
		}
		return points;
	}
}
