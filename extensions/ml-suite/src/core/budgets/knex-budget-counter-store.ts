import type { Knex } from 'knex';
import { isPostgres } from '../usage/usage-rollups.js';
import { LEASE_ROOM_DIVISOR, type BudgetCounterStore, type CounterKey, type GrantEntry, type ReserveEntry } from './budget-counter-store.js';

export const BUDGET_COUNTER_TABLE = 'ml_budget_counters';

/** Creates the counter table (an internal table, not a collection), or adds the `granted` column to an older one. Idempotent. */
export async function ensureBudgetCounterTable(knex: Knex, table = BUDGET_COUNTER_TABLE): Promise<void> {
	if (await knex.schema.hasTable(table)) {
		if (!(await knex.schema.hasColumn(table, 'granted'))) await knex.schema.alterTable(table, (t) => void t.bigInteger('granted').notNullable().defaultTo(0));
		return;
	}
	await knex.schema.createTable(table, (t) => {
		t.string('budget', 64).notNullable();
		t.string('period', 32).notNullable();
		t.bigInteger('spent').notNullable().defaultTo(0);
		/** What the last grant added (read back by the statement that set it). */
		t.bigInteger('granted').notNullable().defaultTo(0);
		t.timestamp('expires_at', { useTz: true }).notNullable();
		t.primary(['budget', 'period']);
	});
}

/**
 * Counters in the Directus database. A grant (and so a reservation) is one conditional statement,
 * `UPDATE … SET spent = spent + g, granted = g WHERE … AND spent < limit RETURNING spent, granted`
 * with g computed from the row as it was: the database serialises concurrent updates of a row
 * (PostgreSQL row lock; SQLite's single writer), so however many instances and workers race, only
 * calls that found the counter under its limit are added. Each statement commits on its own (no
 * transaction round trips); the budget guard leases allowance through `grant`
 * (leased-budget-counter-store.ts), so most calls do not reach the database at all.
 */
export class KnexBudgetCounterStore implements BudgetCounterStore {
	readonly kind = 'database' as const;
	private readonly known = new Set<string>();

	constructor(
		private readonly knex: Knex,
		private readonly table = BUDGET_COUNTER_TABLE,
	) {}

	async reserve(entries: readonly ReserveEntry[]): Promise<{ admitted: boolean; spent: number }[]> {
		const granted = await Promise.all(entries.map((e) => this.grantOne({ key: e.key, need: e.amount, want: 0, limit: e.limit, expiresAt: e.expiresAt })));
		return granted.map(({ admitted, spent }) => ({ admitted, spent }));
	}

	async grant(entries: readonly GrantEntry[]): Promise<{ granted: number; spent: number }[]> {
		return (await Promise.all(entries.map((e) => this.grantOne(e)))).map(({ granted, spent }) => ({ granted, spent }));
	}

	private async grantOne(e: GrantEntry): Promise<{ admitted: boolean; granted: number; spent: number }> {
		await this.ensureRow(e.key, e.expiresAt);
		const pg = isPostgres(this.knex);
		const need = Math.max(0, Math.round(e.need));
		const want = Math.max(0, Math.round(e.want));
		const [max, min] = pg ? ['GREATEST', 'LEAST'] : ['MAX', 'MIN'];
		const int = pg ? 'BIGINT' : 'INTEGER';
		const amount =
			e.limit === null || want <= need
				? this.knex.raw(`CAST(? AS ${int})`, [need])
				: this.knex.raw(`${max}(CAST(? AS ${int}), ${min}(CAST(? AS ${int}), CAST((CAST(? AS ${int}) - ??) / ${LEASE_ROOM_DIVISOR} AS ${int})))`, [need, want, Math.round(e.limit), 'spent']);
		const update = this.knex(this.table).where({ budget: e.key.budget, period: e.key.period });
		if (e.limit !== null) void update.where('spent', '<', Math.round(e.limit));
		const rows = (await update.update({ spent: this.knex.raw('?? + ?', ['spent', amount]), granted: amount }, ['spent', 'granted'])) as unknown as { spent: number | string; granted: number | string }[];
		const row = rows[0];
		if (row) return { admitted: true, granted: Number(row.granted), spent: Number(row.spent) };
		return { admitted: false, granted: 0, spent: (await this.read([e.key]))[0] ?? 0 };
	}

	async add(key: CounterKey, delta: number, expiresAt: Date): Promise<number> {
		await this.ensureRow(key, expiresAt);
		if (Math.round(delta) === 0) return (await this.read([key]))[0] ?? 0;
		const rows = (await this.knex(this.table)
			.where({ budget: key.budget, period: key.period })
			.update({ spent: this.knex.raw('?? + ?', ['spent', Math.round(delta)]) }, ['spent'])) as unknown as { spent: number | string }[];
		return Number(rows[0]?.spent ?? 0);
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
