import knexFactory, { type Knex } from 'knex';
import { afterAll, describe, expect, it } from 'vitest';
import type { LatencyPercentiles } from '../extensions/ml-suite/src/shared/usage-types.js';
import { KnexUsageRecorder } from '../extensions/ml-suite/src/core/usage/knex-usage-recorder.js';
import { UsageAnalytics, type UsageScope } from '../extensions/ml-suite/src/core/usage/usage-analytics.js';
import { usageEvent } from '../extensions/ml-suite/src/core/usage/usage-recorder.fixtures.js';
import { isPostgres, rebuildRollups } from '../extensions/ml-suite/src/core/usage/usage-rollups.js';
import { createUsageTable } from '../extensions/ml-suite/src/core/usage/usage-table.js';
import { POSTGRES_URL, skipUnless } from '../test/support/services.js';
import { openSqlite } from './support/database.js';
import { intEnv } from './support/env.js';
import { Report } from './support/report.js';
import { percentile } from './support/stats.js';

/**
 * Issue 13 target: the Usage module's queries over 30 days with 1,000,000 `ml_usage` rows,
 * p95 ≤ 300 ms on SQLite and PostgreSQL. Rows are generated in SQL (spread evenly over the 30
 * days; 20 users, 6 models, 10 sources, 5 collections in 60 recurring combinations, 2 % errors,
 * 10 % cache hits, latencies 5–2,000 ms), then the hourly rollups and their daily tier are built
 * from them once (the recorder maintains both incrementally in production; `rebuildRollups` is
 * what an upgrade runs). Each query of the dashboard's 30-day load is timed `RUNS` times; the full
 * load is the sum. The same queries from the hourly rollups alone are the baseline (`HOURLY_RUNS`).
 * Latency percentiles of a 30-day range come from the rollups' histograms; for comparison the
 * exact raw-row queries (what every range used before) are timed `EXACT_RUNS` times, and the
 * histogram percentiles' largest relative error against them is printed.
 */
const ROWS = intEnv('BENCH_USAGE_ROWS', 1_000_000);
const RUNS = intEnv('BENCH_USAGE_RUNS', 20);
/** Timed runs of the old exact (raw-row) percentile queries, for the before/after comparison. */
const EXACT_RUNS = intEnv('BENCH_USAGE_EXACT_RUNS', 2);
/** Timed runs of the same dashboard from the hourly rollups alone (the baseline of the daily tier). */
const HOURLY_RUNS = intEnv('BENCH_USAGE_HOURLY_RUNS', 5);
const DAYS = 30;
const END = Date.parse('2026-06-01T00:00:00.000Z');
const START = END - DAYS * 86_400_000;
const STEP_MS = (DAYS * 86_400_000) / ROWS;

const noPostgres = await skipUnless('postgres');

/** The row generator, in SQL: `i` is 1..ROWS. */
function rowSelect(knex: Knex): string {
	const pg = isPostgres(knex);
	const k = '(i % 60)';
	const text = (expr: string): string => (pg ? `(${expr})::text` : `CAST(${expr} AS TEXT)`);
	const user = pg ? `'00000000-0000-4000-8000-' || lpad(${text(`${k} % 20`)}, 12, '0')` : `'00000000-0000-4000-8000-' || printf('%012d', ${k} % 20)`;
	const timestamp = pg ? `to_timestamp((${START}::bigint + (i - 1) * ${STEP_MS}) / 1000.0)` : `CAST(${START} + (i - 1) * ${STEP_MS} AS INTEGER)`;
	const bool = (expr: string): string => (pg ? `(${expr})` : `CASE WHEN ${expr} THEN 1 ELSE 0 END`);
	return `SELECT ${timestamp},
		CASE WHEN ${k} % 20 = 19 THEN NULL ELSE ${user} END,
		CASE WHEN ${k} % 10 < 3 THEN 'flow' WHEN ${k} % 10 < 6 THEN 'job' ELSE 'route' END,
		CASE WHEN ${k} % 10 < 3 THEN 'flow:ml-op-' || ${text(`${k} % 10`)} WHEN ${k} % 10 < 6 THEN 'job:index-items' ELSE 'route:POST /ml/search-' || ${text(`${k} % 10`)} END,
		CASE WHEN ${k} % 6 < 4 THEN 'embedding' ELSE 'chat' END,
		'openai',
		'model-' || ${text(`${k} % 6`)},
		'collection_' || ${text(`${k} % 5`)},
		${text('i % 1000')},
		10 + (i * 7) % 500,
		CASE WHEN ${k} % 6 < 4 THEN 0 ELSE (i * 13) % 300 END,
		((10 + (i * 7) % 500) * 0.02 + (CASE WHEN ${k} % 6 < 4 THEN 0 ELSE (i * 13) % 300 END) * 0.6) / 1000000.0,
		5 + (i * 7919) % 1996,
		CASE WHEN i % 50 = 0 THEN 'error' ELSE 'success' END,
		CASE WHEN i % 50 = 0 THEN 'PROVIDER_TIMEOUT' ELSE NULL END,
		${bool('i % 10 = 7')}
	FROM g`;
}

const COLUMNS = 'timestamp, "user", source_type, source, capability, provider, model, collection, item, input_tokens, output_tokens, cost, latency_ms, status, error_code, cache_hit';

async function seed(knex: Knex): Promise<void> {
	const g = isPostgres(knex) ? `WITH g(i) AS (SELECT generate_series(1, ${ROWS})::bigint)` : `WITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < ${ROWS})`;
	await knex.raw(`INSERT INTO ml_usage (${COLUMNS}) ${g} ${rowSelect(knex)}`);
	if (isPostgres(knex)) await knex.raw('ANALYZE ml_usage');
}

/** The queries the Usage module sends when it opens on "last 30 days" (see usage-view.vue). */
function dashboard(analytics: UsageAnalytics, scope: UsageScope): Record<string, () => Promise<unknown>> {
	return {
		totals: () => analytics.totals(scope),
		'latency overall': () => analytics.latency(scope),
		'timeseries by model (day)': () => analytics.timeseries(scope, 'day', 'model'),
		'latency per day': () => analytics.latency(scope, { interval: 'day' }),
		'breakdown by model': () => analytics.breakdown(scope, 'model', { orderBy: 'calls', limit: 50 }),
		'top users by cost': () => analytics.breakdown(scope, 'user', { orderBy: 'cost', limit: 10 }),
		'top collections by cost': () => analytics.breakdown(scope, 'collection', { orderBy: 'cost', limit: 10 }),
		'top flows by cost': () => analytics.breakdown({ ...scope, filters: { source_type: ['flow'] } }, 'source', { orderBy: 'cost', limit: 10 }),
		'errors by type': () => analytics.breakdown({ ...scope, filters: { status: ['error'] } }, 'error_code', { orderBy: 'errors', limit: 10 }),
		'latency by model': () => analytics.latency(scope, { groupBy: 'model' }),
	};
}

async function measure(report: Report, label: string, knex: Knex): Promise<void> {
	const t0 = performance.now();
	await seed(knex);
	const seedMs = performance.now() - t0;
	const t1 = performance.now();
	const rollups = await rebuildRollups(knex);
	const rollupMs = performance.now() - t1;
	report.add(`${label}: seed ${ROWS} rows`, seedMs / 1000, 's');
	report.add(`${label}: build rollups from raw rows`, rollupMs / 1000, 's', undefined, `${rollups} rollup rows`);

	const analytics = new UsageAnalytics({ knex, users: null });
	const scope: UsageScope = { from: new Date(START), to: new Date(END) };
	const totals = await analytics.totals(scope);
	expect(totals.calls).toBe(ROWS);
	const queries = dashboard(analytics, scope);
	const times: Record<string, number[]> = Object.fromEntries(Object.keys(queries).map((k) => [k, []]));
	const loads: number[] = [];
	for (let run = 0; run <= RUNS; run++) {
		let sum = 0;
		for (const [name, query] of Object.entries(queries)) {
			const s = performance.now();
			await query();
			const ms = performance.now() - s;
			sum += ms;
			if (run > 0) times[name]!.push(ms);
		}
		if (run > 0) loads.push(sum);
	}
	// Baseline in the same run: the same queries from the hourly rollups alone (before the daily tier).
	const hourlyQueries = dashboard(new UsageAnalytics({ knex, users: null, dailyTier: false }), scope);
	const hourlyTimes: Record<string, number[]> = Object.fromEntries(Object.keys(hourlyQueries).map((k) => [k, []]));
	const hourlyLoads: number[] = [];
	for (let run = 0; run <= HOURLY_RUNS; run++) {
		let sum = 0;
		for (const [name, query] of Object.entries(hourlyQueries)) {
			const s = performance.now();
			await query();
			const ms = performance.now() - s;
			sum += ms;
			if (run > 0) hourlyTimes[name]!.push(ms);
		}
		if (run > 0) hourlyLoads.push(sum);
	}
	for (const [name, series] of Object.entries(times)) {
		const p95 = percentile(series, 95);
		const before = percentile(hourlyTimes[name]!, 95);
		report.add(`${label}: ${name} p95`, p95, 'ms', { max: 300 }, `hourly rollups only: ${before.toFixed(1)} ms (${(before / p95).toFixed(1)}× slower)`);
	}
	report.add(`${label}: whole 30-day dashboard (all queries, sequential) p95`, percentile(loads, 95), 'ms');
	report.add(`${label}: BEFORE whole dashboard from hourly rollups only p95`, percentile(hourlyLoads, 95), 'ms');

	// Before/after: the same latency reports exactly from the raw rows (what every range did
	// before the rollups carried histograms), and how far the histogram percentiles are from them.
	const exact = new UsageAnalytics({ knex, users: null, exactPercentileMaxMs: Number.POSITIVE_INFINITY });
	const latencyQueries: [string, (a: UsageAnalytics) => Promise<LatencyPercentiles[]>][] = [
		['latency overall', (a) => a.latency(scope)],
		['latency per day', (a) => a.latency(scope, { interval: 'day' })],
		['latency by model', (a) => a.latency(scope, { groupBy: 'model' })],
	];
	let worst = 0;
	for (const [name, query] of latencyQueries) {
		const series: number[] = [];
		let exactRows: LatencyPercentiles[] = [];
		for (let run = 0; run < EXACT_RUNS; run++) {
			const s = performance.now();
			exactRows = await query(exact);
			series.push(performance.now() - s);
		}
		report.add(`${label}: BEFORE ${name} exact from raw rows (max of ${EXACT_RUNS})`, Math.max(...series), 'ms');
		const estimated = await query(analytics);
		for (const row of exactRows) {
			const est = estimated.find((e) => e.group === row.group && e.start === row.start);
			if (!est) throw new Error(`${name}: no histogram row for ${row.group}/${row.start}`);
			expect(est.calls).toBe(row.calls);
			for (const p of ['p50', 'p95', 'p99'] as const) worst = Math.max(worst, Math.abs(est[p] - row[p]) / row[p]);
		}
	}
	report.add(`${label}: largest relative error of histogram p50/p95/p99 vs exact`, worst * 100, '%', { max: 19 });
}

/**
 * Issue 13: usage writes never slow or fail the request they describe. A call's share is
 * `record()` (a buffer push); the rows and both rollup tiers are written by the background flush.
 * Timed: `record()` while flushes run against a real table, how fast the flush drains (rows/s,
 * raw rows + hourly + daily rollups in one transaction), and `record()` against a database that
 * is gone (it must neither throw nor slow down).
 */
async function measureWrites(report: Report, label: string, knex: Knex): Promise<void> {
	const EVENTS = 20_000;
	const recorder = new KnexUsageRecorder({ knex, flushIntervalMs: 100, maxBatchSize: 200, maxBuffered: EVENTS * 2 });
	const times: number[] = [];
	const t0 = performance.now();
	for (let i = 0; i < EVENTS; i++) {
		const event = usageEvent({ timestamp: new Date(START + i * 60_000), model: `model-${i % 6}`, user: null, latencyMs: 5 + (i % 900) });
		const s = performance.now();
		recorder.record(event);
		times.push(performance.now() - s);
		if (i % 500 === 0) await new Promise((r) => setImmediate(r)); // let the flush run between requests
	}
	await recorder.close();
	const seconds = (performance.now() - t0) / 1000;
	const written = Number((await knex('ml_usage').count({ n: '*' }).first())!.n);
	expect(written).toBe(EVENTS);
	report.add(`${label}: record() on the request path p95 (flushes running)`, percentile(times, 95) * 1000, 'µs');
	report.add(`${label}: rows written per second (raw + hourly + daily rollups)`, EVENTS / seconds, 'rows/s');

	// The database goes away: record() still returns at once and never throws.
	const broken = knexFactory({ client: 'sqlite3', connection: { filename: '/nonexistent/dir/usage.db' }, useNullAsDefault: true });
	const failing = new KnexUsageRecorder({ knex: broken, flushIntervalMs: 100, maxBatchSize: 200 });
	const failingTimes: number[] = [];
	let thrown = 0;
	for (let i = 0; i < 2000; i++) {
		const s = performance.now();
		try {
			failing.record(usageEvent());
		} catch {
			thrown++;
		}
		failingTimes.push(performance.now() - s);
		if (i % 500 === 0) await new Promise((r) => setImmediate(r));
	}
	await failing.close().catch(() => undefined);
	await broken.destroy();
	report.add(`${label}: record() p95 with the database unreachable`, percentile(failingTimes, 95) * 1000, 'µs');
	report.add(`${label}: record() calls that threw with the database unreachable`, thrown, 'calls', { max: 0 });
}

describe('usage', () => {
	const report = new Report('usage', { rows: ROWS, runs: RUNS, days: DAYS });
	const schema = `ml_bench_usage_${process.pid}`;
	let pg: Knex | undefined;

	afterAll(async () => {
		report.save();
		if (pg) {
			await pg.raw('DROP SCHEMA IF EXISTS ?? CASCADE', [schema]);
			await pg.destroy();
		}
	});

	it('SQLite', async () => {
		const db = openSqlite('usage');
		try {
			await createUsageTable(db.knex);
			await measure(report, 'sqlite', db.knex);
		} finally {
			await db.remove();
		}
	});

	it('usage writes off the request path (SQLite)', async () => {
		const db = openSqlite('usage-writes');
		try {
			await createUsageTable(db.knex);
			await measureWrites(report, 'sqlite writes', db.knex);
		} finally {
			await db.remove();
		}
	});

	it.skipIf(noPostgres)('PostgreSQL', async () => {
		const admin = knexFactory({ client: 'pg', connection: POSTGRES_URL });
		await admin.raw('CREATE SCHEMA IF NOT EXISTS ??', [schema]);
		await admin.destroy();
		pg = knexFactory({ client: 'pg', connection: POSTGRES_URL, searchPath: [schema], pool: { min: 0, max: 4 } });
		await createUsageTable(pg);
		await measure(report, 'postgres', pg);
	});
});
