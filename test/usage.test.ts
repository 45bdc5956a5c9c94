import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/content.js';
import { startDirectus, type DirectusInstance } from './support/directus.js';

/**
 * Issue 13, usage reports on a real Directus: totals, breakdowns, time series and percentiles
 * agree with the `ml_usage` rows; a non-admin sees only their own calls; CSV export; cost
 * recomputed from changed prices; bad input is a 4xx naming the problem; the latency histogram
 * in /ml/metrics; every queue's depth sampled over time (the Usage module's queue depth chart).
 */
describe('usage reports (/ml/usage)', () => {
	let directus: DirectusInstance;
	let userToken: string;
	let adminId: string;
	let userId: string;

	interface UsageRowItem {
		user: string | null;
		input_tokens: number;
		cost: number;
		latency_ms: number;
		cache_hit: boolean;
	}
	const rows = async (): Promise<UsageRowItem[]> => (await directus.request('GET', '/items/ml_usage?limit=-1&fields=user,input_tokens,cost,latency_ms,cache_hit')).body.data;

	beforeAll(async () => {
		directus = await startDirectus({ env: { ML_USAGE_FLUSH_MS: '200', ML_USAGE_RETENTION_DAYS: '30', ML_QUEUE_DEPTH_SAMPLE_SECONDS: '1' } });
		userToken = await directus.createUser({ email: 'usage-reader@example.com', permissions: [{ collection: 'ml_models', action: 'read' }] });
		adminId = (await directus.request('GET', '/users/me')).body.data.id;
		userId = (await directus.request('GET', '/users/me', { token: userToken })).body.data.id;
		for (const text of ['first text about usage', 'second text about cost', 'third text about latency']) {
			expect((await directus.request('POST', '/ml/embeddings/generate', { body: { text } })).status).toBe(200);
		}
		expect((await directus.request('POST', '/ml/embeddings/batch', { token: userToken, body: { texts: ['a user text', 'another user text'] } })).status).toBe(200);
		await eventually(async () => {
			const all = await rows();
			expect(all.filter((r) => r.user === userId).length).toBeGreaterThan(0);
			expect(all.filter((r) => r.user === adminId).length).toBeGreaterThanOrEqual(3);
			return true;
		});
	}, 400_000);
	afterAll(async () => {
		await directus?.stop();
	}, 120_000);

	it('totals and the per-user breakdown agree with the ml_usage rows (admin sees everyone)', async () => {
		const all = await rows();
		const summary = await directus.request('GET', '/ml/usage/summary?range=1h');
		expect(summary.status).toBe(200);
		expect(summary.body.scope).toBe('all');
		expect(summary.body.totals.calls).toBe(all.length);
		expect(summary.body.totals.inputTokens).toBe(all.reduce((s, r) => s + r.input_tokens, 0));
		const measured = all.filter((r) => !r.cache_hit);
		expect(summary.body.latency.calls).toBe(measured.length);
		expect(summary.body.latency.p99).toBeGreaterThanOrEqual(summary.body.latency.p50);

		const byUser = await directus.request('GET', '/ml/usage/breakdown?range=1h&group_by=user');
		expect(byUser.status).toBe(200);
		const calls = Object.fromEntries(byUser.body.groups.map((g: { group: string; calls: number }) => [g.group, g.calls]));
		expect(calls[adminId]).toBe(all.filter((r) => r.user === adminId).length);
		expect(calls[userId]).toBe(all.filter((r) => r.user === userId).length);

		const series = await directus.request('GET', '/ml/usage/timeseries?range=24h&interval=hour');
		expect(series.status).toBe(200);
		expect(series.body.buckets.reduce((s: number, b: { calls: number }) => s + b.calls, 0)).toBe(all.length);
	});

	it('shows a non-admin only their own calls, whatever filter they send', async () => {
		const own = (await rows()).filter((r) => r.user === userId);
		const summary = await directus.request('GET', `/ml/usage/summary?range=1h&user=${adminId}`, { token: userToken });
		expect(summary.status).toBe(200);
		expect(summary.body.scope).toBe('own');
		expect(summary.body.totals.calls).toBe(own.length);
		const byUser = await directus.request('GET', '/ml/usage/breakdown?range=1h&group_by=user', { token: userToken });
		expect(byUser.body.groups.map((g: { group: string }) => g.group)).toEqual([userId]);
		expect((await directus.request('POST', '/ml/usage/recompute-cost', { token: userToken, body: {} })).status).toBe(403);
		expect((await directus.request('GET', '/ml/usage/summary', { token: null })).status).toBe(401);
	});

	it('exports a breakdown as CSV', async () => {
		const csv = await directus.request('GET', '/ml/usage/breakdown?range=1h&group_by=model&format=csv');
		expect(csv.status).toBe(200);
		expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
		expect(csv.headers.get('content-disposition')).toMatch(/attachment; filename="ml-usage-by-model-/);
		const lines = csv.text.trim().split('\r\n');
		expect(lines[0]).toBe('model,calls,inputTokens,outputTokens,cost,errors,errorRate,cacheHits,cacheHitRate,avgLatencyMs');
		const json = await directus.request('GET', '/ml/usage/breakdown?range=1h&group_by=model');
		expect(lines.length - 1).toBe(json.body.groups.length);
		expect(lines[1]!.split(',')[1]).toBe(String(json.body.groups[0].calls));
	});

	it('answers bad input with a 400 that names the parameter', async () => {
		const badGroup = await directus.request('GET', '/ml/usage/breakdown?group_by=colour');
		expect(badGroup.status).toBe(400);
		expect(JSON.stringify(badGroup.body)).toMatch(/group_by/);
		const backwards = await directus.request('GET', '/ml/usage/summary?from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z');
		expect(backwards.status).toBe(400);
		expect(backwards.body.errors[0].message).toBe('"from" must be before "to".');
		const badDate = await directus.request('GET', '/ml/usage/summary?from=yesterday');
		expect(badDate.status).toBe(400);
		expect(JSON.stringify(badDate.body)).toMatch(/from/);
	});

	it('recomputes cost from changed ml_models prices', async () => {
		const models = (await directus.request('GET', '/items/ml_models?filter[provider][_eq]=local&filter[task][_eq]=embedding&fields=id,model_id')).body.data as { id: string; model_id: string }[];
		expect(models.length).toBeGreaterThan(0);
		for (const m of models) expect((await directus.request('PATCH', `/items/ml_models/${m.id}`, { body: { input_price_per_million: 2500 } })).status).toBe(200);
		const result = await directus.request('POST', '/ml/usage/recompute-cost', { body: {} });
		expect(result.status).toBe(200);
		const all = await rows();
		expect(result.body.updated).toBe(all.length);
		const expected = all.reduce((s, r) => s + (r.input_tokens * 2500) / 1e6, 0);
		for (const r of all) expect(r.cost).toBeCloseTo((r.input_tokens * 2500) / 1e6, 9);
		const summary = await directus.request('GET', '/ml/usage/summary?range=1h');
		expect(summary.body.totals.cost).toBeCloseTo(expected, 6);
	});

	it('samples every queue\'s depth over time and reports the deepest per bucket (administrators only)', async () => {
		const from = new Date(Date.now() - 3_600_000).toISOString();
		// A job delayed for an hour is queued on "maintenance" from now on.
		const delayed = await directus.request('POST', '/ml/jobs', { body: { name: 'reconcile', data: { olderThanSeconds: 0 }, delayMs: 3_600_000 } });
		expect(delayed.status, delayed.text).toBe(201);
		const report = await eventually(async () => {
			const res = await directus.request('GET', `/ml/queues/depth?from=${encodeURIComponent(from)}&interval=minute`);
			expect(res.status, res.text).toBe(200);
			const maintenance = res.body.data.points.filter((p: { queue: string; depth: number }) => p.queue === 'maintenance' && p.depth >= 1);
			return maintenance.length > 0 ? res.body.data : null;
		}, 30_000, 'a depth sample with the delayed job');
		expect(report).toMatchObject({ from, interval: 'minute', sampleSeconds: 1, retentionDays: 30 });
		// Every queue is sampled, whether or not it has jobs; buckets are whole minutes of the range.
		expect(new Set(report.points.map((p: { queue: string }) => p.queue))).toEqual(new Set(['indexing', 'enrichment', 'transcription', 'training', 'evaluation', 'maintenance']));
		for (const p of report.points) {
			expect(Date.parse(p.at) % 60_000).toBe(0);
			expect(Date.parse(p.at)).toBeGreaterThanOrEqual(Date.parse(from) - 60_000);
		}
		const hourly = await directus.request('GET', `/ml/queues/depth?from=${encodeURIComponent(from)}&interval=hour&queue=maintenance`);
		expect(hourly.body.data.points.length).toBeGreaterThan(0);
		expect(hourly.body.data.points.every((p: { queue: string; at: string }) => p.queue === 'maintenance' && Date.parse(p.at) % 3_600_000 === 0)).toBe(true);
		expect(Math.max(...hourly.body.data.points.map((p: { depth: number }) => p.depth))).toBeGreaterThanOrEqual(1);
		expect((await directus.request('DELETE', `/ml/queues/maintenance/jobs/${delayed.body.data.id}`)).status).toBe(204);
		// The samples are an internal table: not a Directus collection.
		const collections = ((await directus.request('GET', '/collections?limit=-1')).body.data as { collection: string }[]).map((c) => c.collection);
		expect(collections).toContain('ml_usage');
		expect(collections).not.toContain('ml_queue_depth');

		expect((await directus.request('GET', `/ml/queues/depth?from=${encodeURIComponent(from)}`, { token: userToken })).status).toBe(403);
		const backwards = await directus.request('GET', `/ml/queues/depth?from=${encodeURIComponent(from)}&to=${encodeURIComponent(new Date(Date.parse(from) - 1).toISOString())}`);
		expect(backwards.status).toBe(400);
		expect(backwards.text).toContain('"from"');
		const tooFine = await directus.request('GET', `/ml/queues/depth?from=${encodeURIComponent(new Date(Date.now() - 30 * 86_400_000).toISOString())}&interval=minute`);
		expect(tooFine.status).toBe(400);
		expect(tooFine.text).toContain('interval');
	});

	it('exposes the provider latency histogram in /ml/metrics', async () => {
		const metrics = await directus.request('GET', '/ml/metrics');
		expect(metrics.status).toBe(200);
		expect(metrics.text).toMatch(/# TYPE ml_provider_latency_seconds histogram/);
		expect(metrics.text).toMatch(/ml_provider_latency_seconds_bucket\{le="0\.005",capability="embedding",provider="local"/);
		const count = /ml_provider_latency_seconds_count\{capability="embedding",provider="local",model="[^"]+",status="success"\} (\d+)/.exec(metrics.text);
		expect(Number(count?.[1])).toBeGreaterThan(0);
	});
});
