import knexFactory, { type Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import type { BudgetCounterStore, GrantEntry, ReserveEntry } from './budget-counter-store.js';
import { ensureBudgetCounterTable, KnexBudgetCounterStore } from './knex-budget-counter-store.js';
import { LeasedBudgetCounterStore } from './leased-budget-counter-store.js';

/** The database store, counting the statements that reach it. */
class CountingStore extends KnexBudgetCounterStore {
	grants = 0;
	override grant(entries: readonly GrantEntry[]): Promise<{ granted: number; spent: number }[]> {
		this.grants += entries.length;
		return super.grant(entries);
	}
}

const key = { budget: 'b1', period: '2026-11-30' };
const expiresAt = new Date('2026-12-02T00:00:00Z');
const entry = (amount: number, limit: number | null): ReserveEntry => ({ key, amount, limit, expiresAt });
const fail = (error: unknown): void => {
	throw error;
};

let knex: Knex;
beforeEach(async () => {
	knex = knexFactory({ client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
	await ensureBudgetCounterTable(knex);
});
afterEach(async () => {
	await knex.destroy();
});

/** Admits `calls` calls of `amount` in parallel; returns how many were admitted. */
async function race(stores: BudgetCounterStore[], calls: number, amount: number, limit: number): Promise<number> {
	const results = await Promise.all(Array.from({ length: calls }, (_, i) => stores[i % stores.length]!.reserve([entry(amount, limit)])));
	return results.filter(([r]) => r!.admitted).length;
}

describe('LeasedBudgetCounterStore', () => {
	it('serves most calls from a lease: the database sees a grant per ~25 calls, not one per call', async () => {
		const inner = new CountingStore(knex);
		const store = new LeasedBudgetCounterStore(inner, { leaseCalls: 50, onError: fail });
		for (let i = 0; i < 500; i++) {
			const [r] = await store.reserve([entry(10, 1_000_000)]);
			expect(r!.admitted).toBe(true);
		}
		expect(inner.grants).toBeLessThanOrEqual(25);
		expect((await store.read([key]))[0]).toBe(5000);
		await store.close();
		// Closing gives the unspent lease back: the shared counter holds exactly what was spent.
		expect((await inner.read([key]))[0]).toBe(5000);
	});

	it('with one process ends a block budget within one call of its limit: limit ≤ spent ≤ limit + one call', async () => {
		for (const [limit, amount] of [
			[95, 10],
			[1000, 7],
			[20_000, 13],
		] as const) {
			await knex('ml_budget_counters').delete();
			const store = new LeasedBudgetCounterStore(new KnexBudgetCounterStore(knex), { leaseCalls: 50, onError: fail });
			const admitted = await race([store], Math.ceil(limit / amount) + 40, amount, limit);
			const spent = admitted * amount;
			expect(spent).toBeGreaterThanOrEqual(limit);
			expect(spent).toBeLessThanOrEqual(limit + amount);
			expect((await store.read([key]))[0]).toBe(spent);
			await store.close();
		}
	});

	it('with several processes on one counter over-spends by at most one call per process', async () => {
		const limit = 5000;
		const amount = 9;
		const processes = [0, 1, 2].map(() => new LeasedBudgetCounterStore(new KnexBudgetCounterStore(knex), { leaseCalls: 50, onError: fail }));
		const admitted = await race(processes, 900, amount, limit);
		expect(admitted * amount).toBeLessThanOrEqual(limit + processes.length * amount);
		for (const p of processes) await p.close();
		// Unspent leases went back: the counter is what was admitted.
		expect((await new KnexBudgetCounterStore(knex).read([key]))[0]).toBe(admitted * amount);
		// And what they held is available again.
		const later = new LeasedBudgetCounterStore(new KnexBudgetCounterStore(knex), { onError: fail });
		const more = await race([later], 900, amount, limit);
		expect((admitted + more) * amount).toBeGreaterThanOrEqual(limit);
		await later.close();
	});

	it('gives an idle lease back to the shared counter', async () => {
		// The clock and the flush interval are faked, the database is real: idleness is decided by
		// the faked clock, not by how fast a loaded machine gets through the steps.
		vi.useFakeTimers({ toFake: ['Date', 'setInterval', 'clearInterval'] });
		try {
			const inner = new KnexBudgetCounterStore(knex);
			const store = new LeasedBudgetCounterStore(inner, { leaseCalls: 50, idleMs: 50, flushMs: 20, onError: fail });
			await store.reserve([entry(10, 1_000_000)]);
			expect((await inner.read([key]))[0]).toBeGreaterThan(10);
			vi.advanceTimersByTime(40);
			await store.flush();
			// Not idle for 50 ms yet: the lease is kept.
			expect((await inner.read([key]))[0]).toBeGreaterThan(10);
			// 60 ms unused: the flush interval gives it back (waited for, with no wall-clock deadline).
			vi.advanceTimersByTime(20);
			await vi.waitFor(async () => expect((await inner.read([key]))[0]).toBe(10), { timeout: 30_000 });
			await store.close();
		} finally {
			vi.useRealTimers();
		}
	});

	it('refuses once the limit is reached, reports the counter, and admits again after a give-back', async () => {
		const store = new LeasedBudgetCounterStore(new KnexBudgetCounterStore(knex), { onError: fail });
		expect(await race([store], 10, 10, 30)).toBe(3);
		const [refused] = await store.reserve([entry(10, 30)]);
		expect(refused).toEqual({ admitted: false, spent: 30 });
		await store.add(key, -10, expiresAt);
		expect((await store.reserve([entry(10, 30)]))[0]!.admitted).toBe(true);
		expect((await store.reserve([entry(10, 30)]))[0]!.admitted).toBe(false);
		await store.close();
	});

	it('writes spend without a limit in batches', async () => {
		vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
		onTestFinished(() => void vi.useRealTimers());
		const inner = new CountingStore(knex);
		const store = new LeasedBudgetCounterStore(inner, { flushMs: 20, onError: fail });
		for (let i = 0; i < 50; i++) expect((await store.reserve([entry(3, null)]))[0]).toEqual({ admitted: true, spent: 3 * (i + 1) });
		expect(inner.grants).toBe(0);
		expect((await inner.read([key]))[0]).toBe(0);
		// The batch is written when the flush interval fires (waited for, with no wall-clock deadline).
		vi.advanceTimersByTime(20);
		await vi.waitFor(async () => expect((await inner.read([key]))[0]).toBe(150), { timeout: 30_000 });
		await store.close();
	});
});
