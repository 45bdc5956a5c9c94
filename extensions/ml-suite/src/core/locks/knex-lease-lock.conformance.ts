import type { Knex } from 'knex';
import { expect, it } from 'vitest';
import { KnexLeaseLock } from './knex-lease-lock.js';

/** The lease contract on a real database (SQLite in the unit project, PostgreSQL in the integration one). */
export function knexLeaseLockSuite(getDb: () => Knex, table: string): void {
	it('one holder at a time; the lease passes on when it expires or is released', async () => {
		let clock = 1_000_000;
		const a = new KnexLeaseLock(getDb(), { holder: 'a', table, now: () => clock });
		const b = new KnexLeaseLock(getDb(), { holder: 'b', table, now: () => clock });
		expect(await a.tryAcquire('sweep', 10_000)).toBe(true);
		expect(await b.tryAcquire('sweep', 10_000)).toBe(false);
		// The holder renews its own lease.
		clock += 9_000;
		expect(await a.tryAcquire('sweep', 10_000)).toBe(true);
		clock += 9_000;
		expect(await b.tryAcquire('sweep', 10_000)).toBe(false);
		expect(await b.holderOf('sweep')).toBe('a');
		// A holder that stopped renewing (it died) loses the lease.
		clock += 2_000;
		expect(await b.tryAcquire('sweep', 10_000)).toBe(true);
		expect(await a.tryAcquire('sweep', 10_000)).toBe(false);
		await b.release('sweep');
		expect(await a.tryAcquire('sweep', 10_000)).toBe(true);
		// Leases are independent by name.
		expect(await b.tryAcquire('other', 10_000)).toBe(true);
	});

	it('many processes racing for a free lease: exactly one wins', async () => {
		const contenders = Array.from({ length: 8 }, (_, i) => new KnexLeaseLock(getDb(), { holder: `p${i}`, table }));
		const won = await Promise.all(contenders.map((lock) => lock.tryAcquire('race', 60_000)));
		expect(won.filter(Boolean)).toHaveLength(1);
	});
}
