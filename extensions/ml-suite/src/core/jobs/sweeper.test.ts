import { describe, expect, it } from 'vitest';
import type { ReconcileOptions } from '../indexing/indexing-jobs.js';
import { Sweeper, type SweeperConfig, type SweeperDeps } from './sweeper.js';

const CONFIG: SweeperConfig = {
	ML_RECONCILE_INTERVAL_SECONDS: 0,
	ML_RECONCILE_VERIFY_BATCH: 200,
	ML_FAILED_RETRY_MAX_ATTEMPTS: 3,
	ML_FAILED_RETRY_AFTER_SECONDS: 120,
	ML_USAGE_RETENTION_DAYS: 30,
	ML_QUEUE_DEPTH_SAMPLE_SECONDS: 0,
	ML_QUEUE_DEPTH_RETENTION_DAYS: 7,
	ML_TRANSCRIPTION_STUCK_MAX_ATTEMPTS: 3,
};

/** A lease table in memory: one holder per name, as `KnexLeaseLock` keeps in the database. */
class FakeLock {
	readonly held = new Set<string>();
	readonly released: string[] = [];
	constructor(public available = true) {}
	async tryAcquire(name: string): Promise<boolean> {
		if (!this.available) return false;
		this.held.add(name);
		return true;
	}
	async release(name: string): Promise<void> {
		this.held.delete(name);
		this.released.push(name);
	}
}

function setup(options: { config?: Partial<SweeperConfig>; lock?: FakeLock; reconcile?: (o: ReconcileOptions) => Promise<{ requeued: number; diverged: number; retried: number }> } = {}) {
	const reconciles: ReconcileOptions[] = [];
	const logs: string[] = [];
	const pruned: Date[] = [];
	let transcriptSweeps = 0;
	let budgetPrunes = 0;
	const lock = options.lock ?? new FakeLock();
	const deps: SweeperDeps = {
		async reconcile(o) {
			reconciles.push(o);
			return options.reconcile ? options.reconcile(o) : { requeued: 0, diverged: 0, retried: 0 };
		},
		async sweepTranscripts() {
			transcriptSweeps++;
			return { requeued: [], failed: [], unqueued: [] };
		},
		async pruneBudgets() {
			budgetPrunes++;
		},
		async pruneUsage(before) {
			pruned.push(before);
			return 2;
		},
		queueDepth: { listQueues: async () => ({ queues: [] }), history: { record: async () => undefined, prune: async () => 0 } },
		lock,
		logger: { info: (m) => logs.push(m), warn: (m) => logs.push(m) },
		now: () => Date.UTC(2026, 0, 31),
	};
	const sweeper = new Sweeper({ ...CONFIG, ...options.config }, deps);
	return { sweeper, reconciles, logs, pruned, lock, transcriptSweeps: () => transcriptSweeps, budgetPrunes: () => budgetPrunes };
}

describe('Sweeper', () => {
	it('reconciles with the configured verify batch and failed-retry rule, keeping the verify cursors between calls', async () => {
		const { sweeper, reconciles } = setup();
		await sweeper.reconcileNow();
		await sweeper.reconcileNow(0);
		expect(reconciles.map((r) => r.olderThanSeconds)).toEqual([30, 0]);
		expect(reconciles[0]).toMatchObject({ verifyPerIndex: 200, retryFailed: { maxAttempts: 3, olderThanSeconds: 120 } });
		expect(reconciles[0]!.cursors).toBeInstanceOf(Map);
		expect(reconciles[1]!.cursors).toBe(reconciles[0]!.cursors);
	});

	it('does not retry failed documents when ML_FAILED_RETRY_MAX_ATTEMPTS is 0', async () => {
		const { sweeper, reconciles } = setup({ config: { ML_FAILED_RETRY_MAX_ATTEMPTS: 0 } });
		await sweeper.reconcileNow();
		expect(reconciles[0]!.retryFailed).toBeUndefined();
	});

	it('requeues at once (no ageing) on the sweep after an enqueue failed, then goes back to 30 s', async () => {
		const { sweeper, reconciles, transcriptSweeps } = setup();
		await sweeper.sweep();
		sweeper.noteEnqueueFailure();
		await sweeper.sweep();
		await sweeper.sweep();
		expect(reconciles.map((r) => r.olderThanSeconds)).toEqual([30, 0, 30]);
		expect(transcriptSweeps()).toBe(3);
	});

	it('keeps the backlog when the immediate requeue fails, and only then', async () => {
		let fail = true;
		const { sweeper, reconciles, logs } = setup({
			reconcile: async () => {
				if (fail) throw new Error('database went away');
				return { requeued: 4, diverged: 0, retried: 0 };
			},
		});
		await sweeper.sweep(); // fails without a backlog: nothing to keep
		sweeper.noteEnqueueFailure();
		await sweeper.sweep(); // fails with one: kept
		fail = false;
		await sweeper.sweep(); // succeeds at once
		await sweeper.sweep();
		expect(reconciles.map((r) => r.olderThanSeconds)).toEqual([30, 0, 0, 30]);
		expect(logs).toContain('[ml-suite] reconcile sweep failed: database went away');
		expect(logs).toContain('[ml-suite] reconcile: requeued 4 pending documents');
	});

	it('leaves the sweep to the process holding the lease', async () => {
		const { sweeper, reconciles, transcriptSweeps } = setup({ lock: new FakeLock(false) });
		sweeper.noteEnqueueFailure();
		await sweeper.sweep();
		expect(reconciles).toEqual([]);
		expect(transcriptSweeps()).toBe(0);
	});

	it('runs no sweep or prune after stop(), and gives its leases back', async () => {
		const { sweeper, reconciles, pruned, lock } = setup();
		await sweeper.sweep();
		sweeper.stop();
		await sweeper.sweep();
		await sweeper.prune();
		await sweeper.releaseLeases();
		expect(reconciles).toHaveLength(1);
		expect(pruned).toEqual([]);
		expect(lock.released).toEqual(['reconcile', 'queue-depth']);
		expect(lock.held.has('reconcile')).toBe(false);
	});

	it('prunes budget counters and usage older than the retention, under its own lease', async () => {
		const { sweeper, pruned, budgetPrunes, lock, logs } = setup();
		await sweeper.prune();
		expect(budgetPrunes()).toBe(1);
		expect(pruned).toEqual([new Date(Date.UTC(2026, 0, 1))]);
		expect(lock.held.has('usage-prune')).toBe(true);
		expect(logs).toContain('[ml-suite] usage retention: deleted 2 ml_usage rows older than 30 days (hourly rollups kept)');

		const refused = setup({ lock: new FakeLock(false) });
		await refused.sweeper.prune();
		expect(refused.pruned).toEqual([]);
		expect(refused.budgetPrunes()).toBe(0);
	});

	it('requeues what failed during an outage when a provider recovers, unless failed retries are off', async () => {
		const listeners: ((endpoint: string) => void)[] = [];
		const breakers = { onRecover: (listener: (endpoint: string) => void) => listeners.push(listener) };
		const { sweeper, reconciles } = setup();
		sweeper.requeueOnRecovery(breakers);
		listeners[0]!('openai');
		expect(reconciles).toEqual([{ olderThanSeconds: 3600, verifyPerIndex: 0, retryFailed: { maxAttempts: 3, olderThanSeconds: 0 } }]);

		const off = setup({ config: { ML_FAILED_RETRY_MAX_ATTEMPTS: 0 } });
		off.sweeper.requeueOnRecovery(breakers);
		listeners[1]!('openai');
		expect(off.reconciles).toEqual([]);
	});
});
