import type { Knex } from 'knex';
import { expect, it } from 'vitest';
import { KnexUsageRecorder } from './knex-usage-recorder.js';
import { UsageAnalytics } from './usage-analytics.js';
import { pruneUsage, recomputeCosts } from './usage-maintenance.js';
import { usageEvent } from './usage-recorder.fixtures.js';
import { rebuildRollups } from './usage-rollups.js';

/** `percentile_cont`, in JavaScript: the reference the SQL of both databases must match. */
export function percentileCont(values: number[], p: number): number {
	const sorted = [...values].sort((a, b) => a - b);
	const pos = p * (sorted.length - 1);
	const lo = Math.floor(pos);
	const hi = Math.min(sorted.length - 1, lo + 1);
	return sorted[lo]! + (pos - lo) * (sorted[hi]! - sorted[lo]!);
}

const U1 = '3f2a9c1e-0000-4000-8000-000000000001';
const U2 = '3f2a9c1e-0000-4000-8000-000000000002';
const DAY0 = Date.parse('2025-03-01T00:00:00.000Z');

/**
 * Behaviour every database must show: rollups maintained by the recorder match the raw rows,
 * reports group and filter, percentiles are exact, pruning keeps rollups, costs recompute.
 * `fresh()` returns an empty database with `ml_usage`, `ml_usage_rollups` and `ml_models`.
 */
export function usageAnalyticsConformance(fresh: () => Promise<Knex>): void {
	audioCostConformance(fresh);
	async function seeded(): Promise<{ knex: Knex; latencies: Record<string, number[]> }> {
		const knex = await fresh();
		const recorder = new KnexUsageRecorder({ knex, flushIntervalMs: 60_000, maxBatchSize: 37 });
		const latencies: Record<string, number[]> = { a: [], b: [] };
		// Two days, two models, two users; deterministic but uneven latencies (with ties).
		for (let i = 0; i < 300; i++) {
			const model = i % 3 === 0 ? 'b' : 'a';
			const latency = (i * 37) % 101 + (model === 'b' ? 200 : 0);
			const cacheHit = i % 10 === 9;
			if (!cacheHit) latencies[model]!.push(latency);
			recorder.record(
				usageEvent({
					timestamp: new Date(DAY0 + (i % 48) * 3_600_000 + i * 1000),
					model,
					user: i % 4 === 0 ? U2 : i % 4 === 1 ? null : U1,
					inputTokens: 10 + (i % 5),
					outputTokens: model === 'b' ? 3 : 0,
					cost: 0.001,
					latencyMs: latency,
					status: i % 25 === 0 ? 'error' : 'success',
					errorCode: i % 25 === 0 ? 'PROVIDER_TIMEOUT' : null,
					cacheHit,
				}),
			);
		}
		await recorder.close();
		return { knex, latencies };
	}
	/** Runs a test on a freshly seeded database, closed afterwards whatever the test does. */
	async function withSeeded(test: (world: { knex: Knex; latencies: Record<string, number[]> }) => Promise<void>): Promise<void> {
		const world = await seeded();
		try {
			await test(world);
		} finally {
			await world.knex.destroy();
		}
	}
	const range = { from: new Date(DAY0), to: new Date(DAY0 + 2 * 86_400_000) };

	it('keeps rollups equal to the raw rows, per model, as the recorder flushes', () => withSeeded(async ({ knex }) => {
		const analytics = new UsageAnalytics({ knex, users: null });
		const byModel = await analytics.breakdown(range, 'model', { orderBy: 'calls' });
		expect(byModel.map((g) => [g.group, g.calls])).toEqual([
			['a', 200],
			['b', 100],
		]);
		const raw = await knex('ml_usage').where('model', 'a').sum({ input: 'input_tokens' }).count({ n: '*' });
		expect(byModel[0]!.inputTokens).toBe(Number(raw[0]!.input));
		const totals = await analytics.totals(range);
		expect(totals).toMatchObject({ calls: 300, errors: 12, cacheHits: 30, outputTokens: 300 });
		expect(totals.errorRate).toBeCloseTo(12 / 300, 10);
		expect(totals.cost).toBeCloseTo(0.3, 9);
	}));

	it('answers ranges of whole and partial days from the daily and hourly tiers as from the hourly rows alone', () => withSeeded(async ({ knex }) => {
		const analytics = new UsageAnalytics({ knex, users: null, exactPercentileMaxMs: 0 });
		const daily = await knex('ml_usage_rollups_daily').sum({ calls: 'calls', h: 'h40' }).first();
		const hourly = await knex('ml_usage_rollups').sum({ calls: 'calls', h: 'h40' }).first();
		expect(Number(daily!.calls)).toBe(300);
		expect(Number(daily!.h)).toBe(Number(hourly!.h));
		// From 05:00 on day 1 to 19:00 on day 2 … up to three days: partial, whole and empty days.
		const ranges = [
			{ from: new Date(DAY0 + 5 * 3_600_000), to: new Date(DAY0 + 43 * 3_600_000) },
			{ from: new Date(DAY0 - 86_400_000), to: new Date(DAY0 + 2 * 86_400_000) },
			{ from: new Date(DAY0 + 30 * 3_600_000), to: new Date(DAY0 + 3 * 86_400_000) },
		];
		for (const scope of ranges) {
			const raw = (await knex('ml_usage').where('timestamp', '>=', scope.from).where('timestamp', '<', scope.to).count({ n: '*' }).first())!;
			expect((await analytics.totals(scope)).calls).toBe(Number(raw.n));
			const byModel = await analytics.breakdown({ ...scope, filters: { status: ['success'] } }, 'model');
			const hours = await analytics.timeseries({ ...scope, filters: { status: ['success'] } }, 'hour', 'model');
			for (const g of byModel) {
				const fromHours = hours.filter((h) => h.group === g.group);
				expect(g.calls).toBe(fromHours.reduce((s, h) => s + h.calls, 0));
				expect(g.inputTokens).toBe(fromHours.reduce((s, h) => s + h.inputTokens, 0));
			}
			const days = await analytics.timeseries(scope, 'day');
			expect(days.reduce((s, d) => s + d.calls, 0)).toBe(Number(raw.n));
			const latencyDays = await analytics.latency(scope, { interval: 'day', groupBy: 'model' });
			const latencyHours = await analytics.latency(scope, { interval: 'hour', groupBy: 'model' });
			expect(latencyDays.reduce((s, d) => s + d.calls, 0)).toBe(latencyHours.reduce((s, d) => s + d.calls, 0));
		}
		// Rebuilding a range that cuts days in half keeps both tiers equal.
		await rebuildRollups(knex, { from: new Date(DAY0 + 10 * 3_600_000), to: new Date(DAY0 + 30 * 3_600_000) });
		expect(Number((await knex('ml_usage_rollups_daily').sum({ calls: 'calls' }).first())!.calls)).toBe(300);
		expect((await analytics.timeseries(range, 'day')).map((d) => d.calls)).toEqual([156, 144]);
	}));

	it('filters (including missing values) and buckets by day and hour', () => withSeeded(async ({ knex }) => {
		const analytics = new UsageAnalytics({ knex, users: null });
		const system = await analytics.totals({ ...range, filters: { user: [null] } });
		expect(system.calls).toBe(75);
		const both = await analytics.totals({ ...range, filters: { user: [null, U2], model: ['b'] } });
		const expected = Array.from({ length: 300 }, (_, i) => i).filter((i) => i % 3 === 0 && (i % 4 === 0 || i % 4 === 1)).length;
		expect(both.calls).toBe(expected);
		const days = await analytics.timeseries(range, 'day');
		expect(days.map((d) => [d.start, d.calls])).toEqual([
			['2025-03-01T00:00:00.000Z', 156],
			['2025-03-02T00:00:00.000Z', 144],
		]);
		const hours = await analytics.timeseries(range, 'hour', 'status');
		expect(hours.filter((h) => h.start === '2025-03-01T00:00:00.000Z').map((h) => [h.group, h.calls])).toEqual([
			['error', 1],
			['success', 6],
		]);
	}));

	it('computes latency percentiles exactly as percentile_cont does (cache hits excluded)', () => withSeeded(async ({ knex, latencies }) => {
		const analytics = new UsageAnalytics({ knex, users: null });
		const byModel = await analytics.latency(range, { groupBy: 'model' });
		for (const model of ['a', 'b']) {
			const row = byModel.find((r) => r.group === model)!;
			expect(row.calls).toBe(latencies[model]!.length);
			expect(row.p50).toBeCloseTo(percentileCont(latencies[model]!, 0.5), 3);
			expect(row.p95).toBeCloseTo(percentileCont(latencies[model]!, 0.95), 3);
			expect(row.p99).toBeCloseTo(percentileCont(latencies[model]!, 0.99), 3);
		}
		const overall = await analytics.latency(range);
		expect(overall).toHaveLength(1);
		expect(overall[0]!.p95).toBeCloseTo(percentileCont([...latencies.a!, ...latencies.b!], 0.95), 3);
		const daily = await analytics.latency(range, { interval: 'day' });
		expect(daily.map((d) => d.start)).toEqual(['2025-03-01T00:00:00.000Z', '2025-03-02T00:00:00.000Z']);
		expect(daily[0]!.calls + daily[1]!.calls).toBe(270);
	}));

	it('reads long-range percentiles from the rollup histograms, within 2^(1/4) of percentile_cont, the same after a rebuild', () => withSeeded(async ({ knex, latencies }) => {
		// Every range is "long" for this instance: percentiles come from the histograms.
		const analytics = new UsageAnalytics({ knex, users: null, exactPercentileMaxMs: 0 });
		const check = async (): Promise<void> => {
			const byModel = await analytics.latency(range, { groupBy: 'model' });
			for (const model of ['a', 'b']) {
				const row = byModel.find((r) => r.group === model)!;
				expect(row.method).toBe('histogram');
				expect(row.calls).toBe(latencies[model]!.length);
				for (const [name, p] of [['p50', 0.5], ['p95', 0.95], ['p99', 0.99]] as const) {
					const ratio = row[name] / percentileCont(latencies[model]!, p);
					expect(ratio).toBeLessThanOrEqual(2 ** 0.25 + 1e-9);
					expect(ratio).toBeGreaterThanOrEqual(2 ** -0.25 - 1e-9);
				}
			}
			const daily = await analytics.latency(range, { interval: 'day' });
			expect(daily.map((d) => d.start)).toEqual(['2025-03-01T00:00:00.000Z', '2025-03-02T00:00:00.000Z']);
			expect(daily[0]!.calls + daily[1]!.calls).toBe(270);
		};
		await check();
		await rebuildRollups(knex);
		await check();
		expect((await new UsageAnalytics({ knex, users: null }).latency(range))[0]!.method).toBe('exact');
	}));

	it('prunes raw rows by whole hours and keeps the rollups; rebuilding keeps pruned hours', () => withSeeded(async ({ knex }) => {
		const analytics = new UsageAnalytics({ knex, users: null });
		const deleted = await pruneUsage(knex, new Date(DAY0 + 86_400_000 + 1_800_000), { batchSize: 40 });
		expect(deleted).toBe(156);
		expect((await analytics.totals(range)).calls).toBe(300);
		await rebuildRollups(knex);
		expect((await analytics.totals(range)).calls).toBe(300);
		expect((await analytics.latency(range))[0]!.calls).toBe(130);
	}));

	it('recomputes costs from ml_models prices and rebuilds the rollups', () => withSeeded(async ({ knex }) => {
		await knex('ml_models').insert([
			{ id: 'm-a', provider: 'local', model_id: 'a', input_price_per_million: 1000, output_price_per_million: 0 },
			{ id: 'm-b', provider: 'local', model_id: 'b', input_price_per_million: 0, output_price_per_million: 2000 },
		]);
		const result = await recomputeCosts(knex);
		expect(result.updated).toBe(300);
		const analytics = new UsageAnalytics({ knex, users: null });
		const byModel = await analytics.breakdown(range, 'model', { orderBy: 'cost' });
		const rawA = await knex('ml_usage').where('model', 'a').sum({ t: 'input_tokens' });
		// ml_usage.cost is a single-precision float on PostgreSQL (Directus's `float` type): 7 significant digits.
		expect(byModel.find((g) => g.group === 'a')!.cost).toBeCloseTo((Number(rawA[0]!.t) * 1000) / 1e6, 6);
		expect(byModel.find((g) => g.group === 'b')!.cost).toBeCloseTo((100 * 3 * 2000) / 1e6, 6);
	}));
}

/** Transcriptions are priced per audio minute; recomputation applies it too. */
function audioCostConformance(fresh: () => Promise<Knex>): void {
	it('recomputes transcription costs from the audio price per minute', async () => {
		const knex = await fresh();
		try {
			const recorder = new KnexUsageRecorder({ knex, flushIntervalMs: 60_000 });
			for (const seconds of [30, 90, 120]) {
				recorder.record(usageEvent({ timestamp: new Date(DAY0 + seconds * 1000), capability: 'transcription', model: 'whisper-x', inputTokens: 0, outputTokens: 0, cost: 0, audioSeconds: seconds }));
			}
			await recorder.close();
			await knex('ml_models').insert({ id: 'm-w', provider: 'local', model_id: 'whisper-x', input_price_per_million: 0, output_price_per_million: 0, audio_price_per_minute: 0.006 });
			expect((await recomputeCosts(knex, { model: 'whisper-x' })).updated).toBe(3);
			const costs = (await knex('ml_usage').where('model', 'whisper-x').orderBy('audio_seconds').select('cost')).map((r: { cost: number | string }) => Number(r.cost));
			expect(costs[0]).toBeCloseTo(0.003, 6);
			expect(costs[1]).toBeCloseTo(0.009, 6);
			expect(costs[2]).toBeCloseTo(0.012, 6);
			const totals = await new UsageAnalytics({ knex, users: null }).totals({ from: new Date(DAY0), to: new Date(DAY0 + 3_600_000) });
			expect(totals.cost).toBeCloseTo(0.024, 6);
		} finally {
			await knex.destroy();
		}
	});
}

/** The columns of `ml_models` that cost recomputation reads (Directus creates the real table). */
export async function createModelsTable(knex: Knex): Promise<void> {
	await knex.schema.createTable('ml_models', (t) => {
		t.string('id').primary();
		t.string('provider');
		t.string('model_id');
		t.double('input_price_per_million');
		t.double('output_price_per_million');
		t.double('audio_price_per_minute');
	});
}
