import { LEASE_ROOM_DIVISOR, type BudgetCounterStore, type CounterKey, type GrantEntry, type ReserveEntry } from './budget-counter-store.js';

export interface LeasedCounterOptions {
	/**
	 * A lease asks for this many times the amount of the call that takes it (more, up to 64×, when
	 * calls ran a lease dry before its background top-up landed; never more than 1/16 of the room
	 * the budget has left). 0: no leases, every call is one conditional statement. Default: 50.
	 */
	leaseCalls?: number;
	/** Allowance held this long without a call is given back to the shared counter. Default: 5000 ms. */
	idleMs?: number;
	/** Additions without a limit (warn budgets), corrections and give-backs are written at this interval. Default: 500 ms. */
	flushMs?: number;
	onError(error: unknown, message: string): void;
}

interface Lease {
	key: CounterKey;
	expiresAt: Date;
	/** The shared counter as this process last saw it (everything handed out, to every process). */
	counter: number;
	/** Allowance this process took from the counter and has not spent. */
	remaining: number;
	/** Additions to the counter not written yet (spend past a lease, warn budgets' spend, give-backs). */
	pending: number;
	known: boolean;
	/** A block budget's counter (leased); false for warn budgets (only added to). */
	limited: boolean;
	lastUsed: number;
	/** A grant a call is waiting for: later calls queue behind it instead of spending what it will need. */
	granting: Promise<unknown> | null;
	/** The background top-up in flight. */
	prefetching: Promise<void> | null;
	/** Calls ran dry while `prefetching` was in flight (the lease grows once per top-up). */
	ranDry: boolean;
	/** Lease size multiplier: doubles (up to 64) each time calls ran through a lease before its top-up landed. */
	scale: number;
	loading: Promise<void> | null;
}

/**
 * Budget counters that spend locally from leases (for the database counters, where a round trip
 * per provider call costs milliseconds and contends with Directus for its pool and SQLite's write
 * lock). A call that finds too little allowance in its process takes what it needs plus a lease
 * from the shared counter in one conditional statement (`grant`: only while the counter is under
 * the limit); later calls spend the lease without touching the store, and a background grant
 * tops it up when half of it is gone. So the shared counter counts everything handed out:
 *
 * - Over-spend: only the grant that crosses the limit adds more than the room left (one call),
 *   and a process whose lease remainder is too small for a call after the limit was reached lets
 *   that one call through (recording the difference). A budget therefore ends within one call of
 *   its limit per instance or worker that spends from it: `limit ≤ spent ≤ limit + one call` with
 *   one process (when the calls keep coming), `≤ limit + one call per process` with several.
 * - Under-spend: other processes' unspent leases count as spent until they are used or given back
 *   (after `idleMs` without a call). A lease is at most 1/16 of the room left when it was taken,
 *   so a budget may refuse calls while that much is held elsewhere, and `status` over-reports it.
 *
 * Budgets without a limit (warn) only add: their spend is written in batches every `flushMs`.
 * A counter that no call in this process has touched is read once before its first local change.
 */
export class LeasedBudgetCounterStore implements BudgetCounterStore {
	private readonly leases = new Map<string, Lease>();
	private readonly leaseCalls: number;
	private readonly idleMs: number;
	private readonly flushMs: number;
	private timer: NodeJS.Timeout | null = null;
	private flushing: Promise<void> | null = null;

	constructor(
		private readonly inner: BudgetCounterStore,
		private readonly options: LeasedCounterOptions,
	) {
		this.leaseCalls = Math.max(0, options.leaseCalls ?? 50);
		this.idleMs = options.idleMs ?? 5000;
		this.flushMs = options.flushMs ?? 500;
	}

	get kind(): BudgetCounterStore['kind'] {
		return this.inner.kind;
	}

	async reserve(entries: readonly ReserveEntry[]): Promise<{ admitted: boolean; spent: number }[]> {
		return Promise.all(entries.map((e) => (e.limit === null ? this.count(e) : this.admit(e, e.limit))));
	}

	/** No leasing on top of leasing: grants go to the shared counter. */
	grant(entries: readonly GrantEntry[]): Promise<{ granted: number; spent: number }[]> {
		return this.inner.grant(entries);
	}

	async add(key: CounterKey, delta: number, expiresAt: Date): Promise<number> {
		const lease = this.lease(key, expiresAt);
		await this.ensureKnown(lease);
		const units = Math.round(delta);
		if (units < 0 && lease.limited) {
			// A give-back (failed call, estimate above what was used) stays in this process's lease.
			lease.remaining -= units;
		} else {
			// Spend above the estimate comes out of the lease when it can (not while a call waits for a grant sized by it).
			const fromLease = lease.granting ? 0 : Math.max(0, Math.min(units, lease.remaining));
			lease.remaining -= fromLease;
			lease.pending += units - fromLease;
		}
		this.schedule();
		return spentOf(lease);
	}

	markOnce(key: CounterKey, expiresAt: Date): Promise<boolean> {
		return this.inner.markOnce(key, expiresAt);
	}

	/** The shared counters, less what this process holds unspent, plus what it has not written yet. */
	async read(keys: CounterKey[]): Promise<number[]> {
		const values = await this.inner.read(keys);
		return values.map((v, i) => {
			const lease = this.leases.get(id(keys[i]!));
			return lease ? v + lease.pending - lease.remaining : v;
		});
	}

	async prune(now: Date): Promise<number> {
		for (const [k, lease] of this.leases) if (lease.expiresAt < now && lease.pending === 0 && lease.remaining === 0) this.leases.delete(k);
		return this.inner.prune(now);
	}

	/** Gives back every lease and writes what is pending. */
	async close(): Promise<void> {
		if (this.timer) clearInterval(this.timer);
		this.timer = null;
		await this.flush(true);
		await this.inner.close();
	}

	/** Writes pending additions now (and gives back idle leases; all leases with `all`). */
	async flush(all = false): Promise<void> {
		while (this.flushing) await this.flushing;
		this.flushing = this.writePending(all).finally(() => {
			this.flushing = null;
		});
		return this.flushing;
	}

	private async admit(e: ReserveEntry, limit: number): Promise<{ admitted: boolean; spent: number }> {
		const lease = this.lease(e.key, e.expiresAt);
		lease.limited = true;
		const amount = Math.max(0, Math.round(e.amount));
		for (;;) {
			lease.lastUsed = Date.now();
			if (lease.granting) {
				await lease.granting.catch(() => undefined);
				continue;
			}
			if (lease.remaining > 0 && lease.remaining >= amount) {
				lease.remaining -= amount;
				this.prefetch(lease, amount, limit);
				return { admitted: true, spent: spentOf(lease) };
			}
			// Too little here: what the call needs, and a lease while the room allows, in one statement.
			if (lease.prefetching) {
				// The lease ran dry before its top-up landed: too small for this rate of calls, so the next
				// ones are larger; this call waits for the top-up rather than sending a statement of its own.
				if (!lease.ranDry) lease.scale = Math.min(64, lease.scale * 2);
				lease.ranDry = true;
				await lease.prefetching;
				continue;
			}
			const want = this.want(lease, amount);
			const grant = this.inner.grant([{ key: e.key, need: amount - lease.remaining, want, limit, expiresAt: e.expiresAt }]);
			lease.granting = grant;
			let granted: number;
			let counter: number;
			try {
				[{ granted, spent: counter }] = (await grant) as [{ granted: number; spent: number }];
			} finally {
				lease.granting = null;
			}
			lease.counter = counter;
			lease.known = true;
			if (granted > 0 || counter < limit) {
				lease.remaining += granted - amount;
				// The timer gives the lease back once it idles.
				if (lease.remaining > 0) this.schedule();
				return { admitted: true, spent: spentOf(lease) };
			}
			if (lease.remaining > 0) {
				// The limit was reached elsewhere, but this process still holds part of the call: it goes
				// through (the one call past the limit), and the rest is written as spent.
				lease.pending += amount - lease.remaining;
				lease.remaining = 0;
				this.schedule();
				return { admitted: true, spent: spentOf(lease) };
			}
			return { admitted: false, spent: counter };
		}
	}

	/** Tops the lease up in the background once less than half of a lease is left and the room allows. */
	private prefetch(lease: Lease, amount: number, limit: number): void {
		const want = this.want(lease, amount);
		if (want === 0 || lease.prefetching || lease.remaining * 2 >= want || Math.floor((limit - lease.counter) / LEASE_ROOM_DIVISOR) < 1) return;
		lease.prefetching = this.inner
			.grant([{ key: lease.key, need: 0, want, limit, expiresAt: lease.expiresAt }])
			.then(([g]) => {
				lease.remaining += g!.granted;
				lease.counter = g!.spent;
				if (g!.granted > 0) this.schedule();
			})
			.catch((error: unknown) => this.options.onError(error, '[ml-suite] could not take a budget lease in the background'))
			.finally(() => {
				lease.prefetching = null;
				lease.ranDry = false;
			});
	}

	private want(lease: Lease, amount: number): number {
		return this.leaseCalls * lease.scale * Math.max(1, amount);
	}

	/** Spend without a limit: counted locally, written in batches. */
	private async count(e: ReserveEntry): Promise<{ admitted: boolean; spent: number }> {
		const lease = this.lease(e.key, e.expiresAt);
		lease.limited = false;
		lease.lastUsed = Date.now();
		await this.ensureKnown(lease);
		lease.pending += Math.max(0, Math.round(e.amount));
		this.schedule();
		return { admitted: true, spent: spentOf(lease) };
	}

	private lease(key: CounterKey, expiresAt: Date): Lease {
		const k = id(key);
		let lease = this.leases.get(k);
		if (!lease) {
			lease = { key, expiresAt, counter: 0, remaining: 0, pending: 0, known: false, limited: false, lastUsed: Date.now(), granting: null, prefetching: null, ranDry: false, scale: 1, loading: null };
			this.leases.set(k, lease);
		}
		return lease;
	}

	private async ensureKnown(lease: Lease): Promise<void> {
		if (lease.known) return;
		lease.loading ??= this.inner
			.read([lease.key])
			.then(([value]) => {
				if (!lease.known) lease.counter = value ?? 0;
				lease.known = true;
			})
			.finally(() => {
				lease.loading = null;
			});
		await lease.loading;
	}

	private schedule(): void {
		if (this.timer) return;
		this.timer = setInterval(() => {
			void this.flush().catch((error: unknown) => this.options.onError(error, '[ml-suite] could not write budget counters'));
		}, this.flushMs);
		this.timer.unref?.();
	}

	private async writePending(all: boolean): Promise<void> {
		const now = Date.now();
		let active = false;
		for (const [k, lease] of this.leases) {
			if (lease.remaining > 0 && !lease.granting && (all || now - lease.lastUsed > this.idleMs)) {
				lease.pending -= lease.remaining;
				lease.remaining = 0;
			}
			if (lease.pending !== 0) {
				const delta = lease.pending;
				lease.pending = 0;
				try {
					lease.counter = await this.inner.add(lease.key, delta, lease.expiresAt);
					lease.known = true;
				} catch (error) {
					lease.pending += delta;
					throw error;
				}
			}
			if (lease.remaining > 0 || lease.pending !== 0 || lease.prefetching || lease.granting) active = true;
			else if (lease.expiresAt.getTime() < now) this.leases.delete(k);
		}
		if (!active && this.timer) {
			clearInterval(this.timer);
			this.timer = null;
		}
	}
}

const id = (key: CounterKey): string => `${key.budget}\u0000${key.period}`;

/** What this process knows was spent: the counter, less its unspent lease, plus what it has not written yet. */
const spentOf = (lease: Lease): number => lease.counter - lease.remaining + lease.pending;
