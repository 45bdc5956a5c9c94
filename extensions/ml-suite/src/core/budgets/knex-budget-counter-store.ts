import type { Knex } from 'knex';
import { isPostgres } from '../usage/usage-rollups.js';
import type { BudgetCounterStore, CounterKey, ReserveEntry } from './budget-counter-store.js';

export const BUDGET_COUNTER_TABLE = 'ml_budget_counters';

/** Creates the counter table (an internal table, not a collection). Idempotent. */
export async function ensureBudgetCounterTable(knex: Knex, table = BUDGET_COUNTER_TABLE): Promise<void> {
	if (await knex.schema.hasTable(table)) return;
	await knex.schema.createTable(table, (t) => {
		t.string('budget', 64).notNullable();
		t.string('period', 32).notNullable();
		t.bigInteger('spent').notNullable().defaultTo(0);
		t.timestamp('expires_at', { useTz: true }).notNullable();
		t.primary(['budget', 'period']);
	});
}

/**
 * Counters in the Directus database. Each reservation is one conditional `UPDATE … SET spent =
 * spent + ? WHERE spent < limit RETURNING spent` (a call's budgets in one transaction): the database serialises concurrent updates of a row, so
 * however many instances and workers race, only calls that found the counter under its limit
 * are added (PostgreSQL row lock; SQLite's single writer).
 */
export class KnexBudgetCounterStore implements BudgetCounterStore {
	readonly kind = 'database' as const;
	private readonly known = new Set<string>();

	constructor(
		private readonly knex: Knex,
		private readonly table = BUDGET_COUNTER_TABLE,
	) {}

	async reserve(entries: readonly ReserveEntry[]): Promise<{ admitted: boolean; spent: number }[]> {
		for (const e of entries) await this.ensureRow(e.key, e.expiresAt);
		const pg = isPostgres(this.knex);
		return this.knex.transaction(async (trx) => {
			// A lost counter increment after a crash is harmless; waiting for the WAL flush on every
			// provider call is not (milliseconds per call on a busy disk). Only this transaction.
			if (pg) await trx.raw('SET LOCAL synchronous_commit TO OFF');
			const results: { admitted: boolean; spent: number }[] = [];
			for (const e of entries) {
				const update = trx(this.table).where({ budget: e.key.budget, period: e.key.period });
				if (e.limit !== null) void update.where('spent', '<', e.limit);
				const rows = (await update.update({ spent: trx.raw('?? + ?', ['spent', Math.round(e.amount)]) }, ['spent'])) as unknown as { spent: number | string }[];
				const row = rows[0];
				if (row) results.push({ admitted: true, spent: Number(row.spent) });
				else results.push({ admitted: false, spent: Number((await trx(this.table).select('spent').where({ budget: e.key.budget, period: e.key.period }).first())?.spent ?? 0) });
			}
			return results;
		});
	}

	async add(key: CounterKey, delta: number, expiresAt: Date): Promise<number> {
		await this.ensureRow(key, expiresAt);
		if (Math.round(delta) !== 0) {
			await this.knex(this.table).where({ budget: key.budget, period: key.period }).update({ spent: this.knex.raw('?? + ?', ['spent', Math.round(delta)]) });
		}
		return (await this.read([key]))[0] ?? 0;
	}

	async markOnce(key: CounterKey, expiresAt: Date): Promise<boolean> {
		return (await this.reserve([{ key, amount: 1, limit: 1, expiresAt }]))[0]!.admitted;
	}

	async read(keys: CounterKey[]): Promise<number[]> {
		if (keys.length === 0) return [];
		const rows: { budget: string; period: string; spent: number | string }[] = await this.knex(this.table)
			.select('budget', 'period', 'spent')
			.where((q) => {
				for (const k of keys) q.orWhere({ budget: k.budget, period: k.period });
			});
		const byKey = new Map(rows.map((r) => [`${r.budget}\u0000${r.period}`, Number(r.spent)]));
		return keys.map((k) => byKey.get(`${k.budget}\u0000${k.period}`) ?? 0);
	}

	async prune(now: Date): Promise<number> {
		this.known.clear();
		return Number(await this.knex(this.table).where('expires_at', '<', now).delete());
	}

	async close(): Promise<void> {}

	/** Inserts the counter row once per process (a no-op when another process did). */
	private async ensureRow(key: CounterKey, expiresAt: Date): Promise<void> {
		const id = `${key.budget}\u0000${key.period}`;
		if (this.known.has(id)) return;
		await this.knex(this.table).insert({ budget: key.budget, period: key.period, spent: 0, expires_at: expiresAt }).onConflict(['budget', 'period']).ignore();
		this.known.add(id);
	}
}
