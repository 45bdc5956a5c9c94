import knexFactory, { type Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ModelDefinition } from '../providers/types.js';
import { withUsageScope } from '../usage/usage-scope.js';
import { budgetPeriod } from './budget.js';
import { BudgetExceededError } from './budget-exceeded-error.js';
import { BudgetGuard, type BudgetWarning } from './budget-guard.js';
import type { BudgetCounterStore } from './budget-counter-store.js';
import { ensureBudgetCounterTable, KnexBudgetCounterStore } from './knex-budget-counter-store.js';
import { LeasedBudgetCounterStore } from './leased-budget-counter-store.js';

const definition = { id: 'm1', modelId: 'text-embedding-3-small', inputPricePerMillion: 1000, outputPricePerMillion: 0, audioPricePerMinute: 0 } as ModelDefinition;
const call = (tokens: number) => ({ definition, capability: 'embedding' as const, estimate: { inputTokens: tokens, outputTokens: 0, audioSeconds: 0 } });
const budget = (over: Record<string, unknown>) => ({ id: 'b1', name: 'Cap', status: 'active', scope: 'global', scope_value: null, period: 'day', metric: 'tokens', limit: 100, action: 'block', ...over });

let knex: Knex;
let rows: Record<string, unknown>[];
let warnings: BudgetWarning[];
let guard: BudgetGuard;
const now = new Date('2026-11-30T17:00:00Z');

const stores = [
	{ name: 'database counters', store: (k: Knex): BudgetCounterStore => new KnexBudgetCounterStore(k) },
	{ name: 'leased database counters', store: (k: Knex): BudgetCounterStore => new LeasedBudgetCounterStore(new KnexBudgetCounterStore(k), { onError: (e) => { throw e; } }) },
];

describe.each(stores)('BudgetGuard ($name)', ({ store }) => {
	beforeEach(async () => {
		knex = knexFactory({ client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
		await ensureBudgetCounterTable(knex);
		rows = [];
		warnings = [];
		guard = new BudgetGuard({
			store: store(knex),
			loadBudgets: async () => rows,
			cacheMs: 0,
			notify: async (w) => void warnings.push(w),
			onError: (error) => {
				throw error;
			},
			now: () => now,
		});
	});
	afterEach(async () => {
		await guard.close();
		await knex.destroy();
	});

	const settled = () => new Promise((r) => setTimeout(r, 20));

		it('admits calls until a block budget is reached, then refuses with the budget and reset time', async () => {
			rows = [budget({ limit: 25 })];
			for (let i = 0; i < 3; i++) (await guard.begin(call(10))).end({ inputTokens: 10, outputTokens: 0, audioSeconds: 0 });
			await settled();
			const error = await guard.begin(call(10)).catch((e: unknown) => e);
			expect(error).toBeInstanceOf(BudgetExceededError);
			expect((error as Error).message).toContain('"Cap"');
			expect((error as Error).message).toContain('2026-12-01T00:00:00.000Z');
			expect((error as BudgetExceededError).retryAfterMs).toBe(7 * 3_600_000);
			expect((await guard.status())[0]).toMatchObject({ spent: 30, limit: 25, resetsAt: '2026-12-01T00:00:00.000Z' });
		});

		it('bounds the overshoot of parallel calls by one call', async () => {
			rows = [budget({ limit: 95 })];
			const results = await Promise.allSettled(Array.from({ length: 40 }, () => guard.begin(call(10))));
			const admitted = results.filter((r) => r.status === 'fulfilled').length;
			expect(admitted).toBe(10);
			expect((await guard.status())[0]!.spent).toBe(100);
		});

		it('gives a failed call its reservation back and corrects estimates to what was used', async () => {
			rows = [budget({ limit: 1000 })];
			(await guard.begin(call(50))).end(null);
			(await guard.begin(call(50))).end({ inputTokens: 70, outputTokens: 5, audioSeconds: 0 });
			await settled();
			expect((await guard.status())[0]!.spent).toBe(75);
		});

		it('counts cost budgets in USD and only calls in their scope', async () => {
			rows = [budget({ metric: 'cost', limit: 0.05, scope: 'user', scope_value: 'u1' })];
			// 1000 USD per 1M tokens: 10 tokens cost 0.01.
			for (let i = 0; i < 3; i++) (await withUsageScope({ user: 'u2' }, () => guard.begin(call(10)))).end({ inputTokens: 10, outputTokens: 0, audioSeconds: 0 });
			for (let i = 0; i < 5; i++) (await withUsageScope({ user: 'u1' }, () => guard.begin(call(10)))).end({ inputTokens: 10, outputTokens: 0, audioSeconds: 0 });
			await settled();
			expect((await guard.status())[0]!.spent).toBeCloseTo(0.05, 9);
			await expect(withUsageScope({ user: 'u1' }, () => guard.begin(call(10)))).rejects.toThrow(/\$0\.050000 spent of \$0\.050000/);
			await expect(withUsageScope({ user: 'u2' }, () => guard.begin(call(10)))).resolves.toBeDefined();
		});

		it('warns once per threshold per period and never refuses', async () => {
			rows = [budget({ action: 'warn', limit: 50 })];
			for (let i = 0; i < 10; i++) {
				(await guard.begin(call(10))).end({ inputTokens: 10, outputTokens: 0, audioSeconds: 0 });
				await settled();
			}
			expect(warnings.map((w) => [w.threshold, w.spent])).toEqual([
				[0.8, 40],
				[1, 50],
			]);
		});

		it('keys periods by UTC day and month', () => {
			expect(budgetPeriod('day', new Date('2026-12-31T23:59:59Z'))).toEqual({ key: '2026-12-31', resetsAt: new Date('2027-01-01T00:00:00Z') });
			expect(budgetPeriod('month', new Date('2026-12-31T23:59:59Z'))).toEqual({ key: '2026-12', resetsAt: new Date('2027-01-01T00:00:00Z') });
		});
});
