import knexFactory, { type Knex } from 'knex';
import { Redis } from 'ioredis';
import { afterAll, describe, it } from 'vitest';
import type { BudgetCounterStore } from '../extensions/ml-suite/src/core/budgets/budget-counter-store.js';
import { BudgetGuard } from '../extensions/ml-suite/src/core/budgets/budget-guard.js';
import { ensureBudgetCounterTable, KnexBudgetCounterStore } from '../extensions/ml-suite/src/core/budgets/knex-budget-counter-store.js';
import { LeasedBudgetCounterStore } from '../extensions/ml-suite/src/core/budgets/leased-budget-counter-store.js';
import { RedisBudgetCounterStore } from '../extensions/ml-suite/src/core/budgets/redis-budget-counter-store.js';
import { guardEmbeddingModel } from '../extensions/ml-suite/src/core/providers/guarded-models.js';
import { LocalEmbeddingModel } from '../extensions/ml-suite/src/core/providers/local-embedding-model.js';
import type { EmbeddingModel, ModelDefinition } from '../extensions/ml-suite/src/core/providers/types.js';
import { withUsageScope } from '../extensions/ml-suite/src/core/usage/usage-scope.js';
import { POSTGRES_URL, REDIS_URL, skipUnless } from '../test/support/services.js';
import { openSqlite } from './support/database.js';
import { intEnv } from './support/env.js';
import { Report } from './support/report.js';
import { percentile } from './support/stats.js';

/**
 * Issue 13 target: the budget check adds ≤ 2 ms p95 to a provider call. The same provider call
 * (the local embedding model, one short text) runs with and without the guard, interleaved in one
 * loop so both see the same machine load; the guard has three budgets covering the call (global
 * block, user block, model warn: three counter reservations and three settlements per call) and
 * counts in SQLite, PostgreSQL or Redis. The added latency is p95(with) − p95(without).
 * The counters run as Directus runs them (leased, `ML_BUDGET_LEASE_CALLS` 50); the same
 * counters unleased (one conditional statement per budget per call, what every call did before)
 * are the baseline, measured in the same run with `BENCH_BUDGET_BASELINE_CALLS` calls.
 */
const CALLS = intEnv('BENCH_BUDGET_CALLS', 2000);
const BASELINE_CALLS = intEnv('BENCH_BUDGET_BASELINE_CALLS', 300);
const leased = (inner: BudgetCounterStore): BudgetCounterStore => new LeasedBudgetCounterStore(inner, { leaseCalls: 50, onError: (e) => console.warn(e) });
const noPostgres = await skipUnless('postgres');
const noRedis = await skipUnless('redis');

const definition = { id: 'bench-model', name: 'bench', provider: 'local', task: 'embedding', modelId: 'local-hash', inputPricePerMillion: 0.02, outputPricePerMillion: 0, audioPricePerMinute: 0 } as ModelDefinition;
const budgets = [
	{ id: 'g', name: 'Global', status: 'active', scope: 'global', scope_value: null, period: 'month', metric: 'cost', limit: 1e6, action: 'block' },
	{ id: 'u', name: 'User', status: 'active', scope: 'user', scope_value: 'bench-user', period: 'day', metric: 'tokens', limit: 1e12, action: 'block' },
	{ id: 'm', name: 'Model', status: 'active', scope: 'model', scope_value: 'local-hash', period: 'day', metric: 'tokens', limit: 1e12, action: 'warn' },
];

async function measure(report: Report, label: string, store: BudgetCounterStore, calls = CALLS): Promise<void> {
	const model = new LocalEmbeddingModel({ dimensions: 384 });
	const guard = new BudgetGuard({ store, loadBudgets: async () => budgets, notify: async () => undefined, onError: (e) => console.warn(e) });
	const guarded: EmbeddingModel = guardEmbeddingModel(model, definition, guard);
	const without: number[] = [];
	const withGuard: number[] = [];
	const call = async (m: EmbeddingModel, i: number): Promise<number> => {
		const s = performance.now();
		await withUsageScope({ user: 'bench-user', source: 'route:POST /ml/embeddings/generate' }, () => m.embed([`a short text to embed number ${i}`]));
		return performance.now() - s;
	};
	for (let i = 0; i < 50; i++) await call(guarded, i); // warm-up (rows created, connections open)
	for (let i = 0; i < calls; i++) {
		without.push(await call(model, i));
		withGuard.push(await call(guarded, i));
	}
	await new Promise((r) => setTimeout(r, 200)); // settlements are fire-and-forget
	if (store instanceof LeasedBudgetCounterStore) await store.flush(true); // gives the leases back
	const p95Without = percentile(without, 95);
	const p95With = percentile(withGuard, 95);
	report.add(`${label}: provider call p95 without budgets`, p95Without, 'ms');
	report.add(`${label}: provider call p95 with 3 budgets`, p95With, 'ms');
	report.add(`${label}: added by the budget check (p95 with − p95 without)`, p95With - p95Without, 'ms', { max: 2 });
	report.add(`${label}: ratio p95 with / without`, p95With / p95Without, '×');
	report.add(`${label}: added p50`, percentile(withGuard, 50) - percentile(without, 50), 'ms');
	console.log(`${label}: p95 without ${p95Without.toFixed(3)} ms, with ${p95With.toFixed(3)} ms, ratio ${(p95With / p95Without).toFixed(2)}`);
}

describe('budgets', () => {
	const report = new Report('budgets', { calls: CALLS, budgets: budgets.length });
	const cleanup: (() => Promise<void>)[] = [];
	afterAll(async () => {
		report.save();
		for (const c of cleanup) await c();
	});

	it('SQLite counters', async () => {
		const db = openSqlite('budgets');
		cleanup.push(() => db.remove());
		await ensureBudgetCounterTable(db.knex);
		await measure(report, 'sqlite', leased(new KnexBudgetCounterStore(db.knex)));
		await measure(report, 'sqlite BEFORE (unleased: a statement per budget per call)', new KnexBudgetCounterStore(db.knex), BASELINE_CALLS);
	});

	it.skipIf(noPostgres)('PostgreSQL counters', async () => {
		const table = `ml_bench_budget_counters_${process.pid}`;
		const pg: Knex = knexFactory({ client: 'pg', connection: POSTGRES_URL, pool: { min: 1, max: 4 } });
		cleanup.push(async () => {
			await pg.schema.dropTableIfExists(table);
			await pg.destroy();
		});
		await ensureBudgetCounterTable(pg, table);
		await measure(report, 'postgres', leased(new KnexBudgetCounterStore(pg, table)));
		await measure(report, 'postgres BEFORE (unleased: a statement per budget per call)', new KnexBudgetCounterStore(pg, table), BASELINE_CALLS);
	});

	it.skipIf(noRedis)('Redis counters', async () => {
		const redis = new Redis(REDIS_URL);
		const prefix = `mlbench${process.pid}`;
		cleanup.push(async () => {
			const keys = await redis.keys(`${prefix}:*`);
			if (keys.length > 0) await redis.del(...keys);
			redis.disconnect();
		});
		await measure(report, 'redis', leased(new RedisBudgetCounterStore(redis, prefix)));
		await measure(report, 'redis BEFORE (unleased: a script per budget per call)', new RedisBudgetCounterStore(redis, prefix), BASELINE_CALLS);
	});
});
