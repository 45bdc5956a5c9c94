import { mkdirSync, symlinkSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, it } from 'vitest';
import { createCollection } from '../test/support/content.js';
import { startDirectus } from '../test/support/directus.js';
import { BENCH_TMP } from './support/database.js';
import { intEnv } from './support/env.js';
import { processCpuMs } from './support/http-load.js';
import { pingRounds, processState, roundRatios, rssMb, type PingRound, type PingSide } from './support/ping-ab.js';
import { Report } from './support/report.js';
import { median } from './support/stats.js';

/**
 * Issue 16: Directus's own GET /server/ping with the suite installed vs without it (target
 * ≥ 0.9×), every instance started fresh the same way (the defaults of directus.config.ts), the
 * suite at its embedded default, in BENCH_PING_ROUNDS short interleaved rounds; the figure is the
 * median of per-round ratios, printed with the lowest and highest round.
 *
 * BENCH_PING_VARIANTS (comma-separated, default `none,suite`) adds instances for the experiment
 * that looked for a per-process cause:
 * - `libs`: no suite, the heavy libraries the bundle loads (compromise, wink + model, BullMQ,
 *   ioredis, OpenAI) preloaded and kept reachable (bench/support/ping-preload-libs.mjs);
 * - `bundle`: no suite, the built dist/api.js imported and never registered;
 * - `als`: no suite, one AsyncLocalStorage used once with Node's async-context frame off, i.e.
 *   async hooks on for the whole process, as the suite has them on Node 22 without the flag;
 * - `suite-quiet`: the suite with its queue-depth sampler and reconcile sweep off;
 * - `suite-hooks`: the suite with `--no-experimental-async-context-frame` (as before the flag);
 * - `schema`: no suite, on a database the suite has set up once (its collections and fields in
 *   Directus's schema, no extension loaded).
 * Before the rounds every instance's CPU while idle (its own timers) is measured for
 * BENCH_PING_IDLE_MS. After the pings, GET /items/articles (BENCH_PING_ITEMS items, default 25;
 * 0 skips it) is compared the same way, as the admin: a content read, which Directus serves through
 * its schema and permission layers (the collection is created on every instance first).
 * BENCH_PING_SCHEMA_FREEZE=false starts every instance with Directus's own default
 * (CACHE_SCHEMA_FREEZE_ENABLED=false: a copy of the whole schema per request, the suite's
 * collections included) instead of the suite's default (true). BENCH_PING_GC=true also counts
 * garbage collections per round and reports whether async hooks track promises. BENCH_PING_ALS_TOGGLE=true adds a second test: one Directus
 * without the suite, async hooks switched on and off between rounds (same process, same heap).
 */
const ROUNDS = intEnv('BENCH_PING_ROUNDS', 24);
const ROUND_MS = intEnv('BENCH_PING_ROUND_MS', 750);
const CONNECTIONS = intEnv('BENCH_PING_CONNECTIONS', 8);
const GC = process.env.BENCH_PING_GC === 'true';
const IDLE_MS = intEnv('BENCH_PING_IDLE_MS', 10_000);
const ITEMS = intEnv('BENCH_PING_ITEMS', 25);
const SCHEMA_FREEZE = process.env.BENCH_PING_SCHEMA_FREEZE;
const VARIANTS = (process.env.BENCH_PING_VARIANTS ?? 'none,suite').split(',').map((v) => v.trim());
const ROOT = join(import.meta.dirname, '..');
const SUITE = join(ROOT, 'extensions', 'ml-suite');

/** Keeps Node 22's AsyncLocalStorage on async hooks (directus.config.ts turns the frame on otherwise). */
const NO_CONTEXT_FRAME = '--no-experimental-async-context-frame';
const preload = (file: string): string => `--import=${pathToFileURL(join(ROOT, 'bench', 'support', file)).href}`;

function variantEnv(variant: string): Record<string, string> {
	return { ...variantOnlyEnv(variant), ...(SCHEMA_FREEZE ? { CACHE_SCHEMA_FREEZE_ENABLED: SCHEMA_FREEZE } : {}) };
}

function variantOnlyEnv(variant: string): Record<string, string> {
	const dir = join(BENCH_TMP, `extensions-ping-${variant}`);
	mkdirSync(dir, { recursive: true });
	const withSuite = variant.startsWith('suite');
	if (withSuite) symlinkSync(SUITE, join(dir, 'ml-suite'));
	if (variant === 'suite-setup' || variant === 'schema') return { EXTENSIONS_PATH: dir, LOG_LEVEL: 'error', PRESSURE_LIMITER_ENABLED: 'false', ...(GC ? { NODE_OPTIONS: preload('gc-tally.mjs') } : {}) };
	const imports = GC ? [preload('gc-tally.mjs')] : [];
	const env: Record<string, string> = { EXTENSIONS_PATH: dir, LOG_LEVEL: 'error', PRESSURE_LIMITER_ENABLED: 'false' };
	if (variant === 'libs') imports.push(preload('ping-preload-libs.mjs'));
	if (variant === 'als') imports.push(preload('ping-preload-als.mjs'), NO_CONTEXT_FRAME);
	if (variant === 'bundle') {
		imports.push(preload('ping-preload-bundle.mjs'));
		env.BENCH_PING_BUNDLE_URL = pathToFileURL(join(SUITE, 'dist', 'api.js')).href;
	}
	if (variant === 'suite-quiet') Object.assign(env, { ML_QUEUE_DEPTH_SAMPLE_SECONDS: '0', ML_RECONCILE_INTERVAL_SECONDS: '0' });
	if (!['none', 'libs', 'bundle', 'als', 'suite', 'suite-quiet', 'suite-hooks', 'schema'].includes(variant)) throw new Error(`unknown BENCH_PING_VARIANTS entry "${variant}"`);
	if (variant === 'suite-hooks') imports.push(NO_CONTEXT_FRAME);
	if (imports.length > 0) env.NODE_OPTIONS = imports.join(' ');
	return env;
}

describe('ping', () => {
	const report = new Report('ping', { rounds: ROUNDS, roundMs: ROUND_MS, connections: CONNECTIONS });
	afterAll(() => report.save());

	it('GET /server/ping with and without the suite', async () => {
		report.note(`load average at start: ${loadavg().map((l) => l.toFixed(1)).join(' ')}; variants ${VARIANTS.join(', ')}${SCHEMA_FREEZE ? `; CACHE_SCHEMA_FREEZE_ENABLED=${SCHEMA_FREEZE}` : ''}`);
		const sides: PingSide[] = [];
		try {
			for (const variant of VARIANTS) {
				if (variant !== 'schema') {
					sides.push({ label: variant, d: await startDirectus({ env: variantEnv(variant) }) });
					continue;
				}
				// The suite sets the database up once; then Directus runs on it without the suite.
				const sqliteFile = join(BENCH_TMP, 'ping-schema.db');
				await (await startDirectus({ env: variantEnv('suite-setup'), sqliteFile })).stop();
				sides.push({ label: variant, d: await startDirectus({ env: variantEnv('schema'), sqliteFile }) });
			}
			// Settle after start-up (the suite's schema step, first sweeps) before measuring.
			await new Promise((resolve) => setTimeout(resolve, 3000));
			for (const { label, d } of sides) {
				report.add(`${label}: RSS after start`, rssMb(d.pid), 'MB');
				if (GC) {
					const state = await processState(d);
					report.add(`${label}: heap used after start`, state.heapUsedMb, 'MB', undefined, `async hooks on promises: ${state.promiseHooks ? 'on' : 'off'}`);
				}
			}
			// Idle CPU: what each process spends on its own (timers, sweeps) while nothing calls it.
			const idleBefore = sides.map(({ d }) => processCpuMs(d.pid));
			await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
			sides.forEach(({ label, d }, i) => report.add(`${label}: CPU while idle`, ((processCpuMs(d.pid) - idleBefore[i]!) / IDLE_MS) * 1000, 'ms/s'));
			const rounds = await pingRounds(sides, { rounds: ROUNDS, roundMs: ROUND_MS, connections: CONNECTIONS, gcTally: GC });
			for (const { label } of sides) {
				const r = rounds.get(label) ?? [];
				report.add(`${label}: GET /server/ping (median of rounds)`, median(r.map((x) => x.rps)), 'req/s', undefined, `rounds ${Math.min(...r.map((x) => x.rps)).toFixed(0)}–${Math.max(...r.map((x) => x.rps)).toFixed(0)}`);
				report.add(`${label}: server CPU per response (median)`, median(r.map((x) => x.cpuMs)), 'ms');
				if (GC) {
					const pings = r.reduce((s, x) => s + x.rps * (ROUND_MS / 1000), 0);
					const per10k = (pick: (x: PingRound) => number | undefined): number => (r.reduce((s, x) => s + (pick(x) ?? 0), 0) / pings) * 10_000;
					report.add(`${label}: GC per 10k pings (count / pause ms)`, per10k((x) => x.gcCount), '', undefined, `${per10k((x) => x.gcMs).toFixed(1)} ms`);
					report.add(`${label}: full GCs per 10k pings (count / pause ms)`, per10k((x) => x.majorGcCount), '', undefined, `${per10k((x) => x.majorGcMs).toFixed(1)} ms`);
				}
				if (label === 'none' || !rounds.has('none')) continue;
				const rps = roundRatios(rounds, label, 'none', (x) => x.rps);
				const cpu = roundRatios(rounds, label, 'none', (x) => x.cpuMs);
				const target = label === 'suite' ? { min: 0.9 } : undefined;
				report.add(`/server/ping RPS ${label} / none (median of per-round ratios)`, rps.median, '×', target, `rounds ${rps.min.toFixed(2)}–${rps.max.toFixed(2)}`);
				report.add(`/server/ping CPU per response ${label} / none`, cpu.median, '×', undefined, `rounds ${cpu.min.toFixed(2)}–${cpu.max.toFixed(2)}`);
			}
			if (ITEMS > 0) await itemsRounds(sides, report);
			report.note(`load average at end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
		} finally {
			for (const { d } of sides) await d.stop();
		}
	});

	// One Directus without the suite, async hooks switched on and off between rounds (same process,
	// same heap): what Directus's own /server/ping pays once any AsyncLocalStorage was used.
	it.runIf(process.env.BENCH_PING_ALS_TOGGLE === 'true')('GET /server/ping with async hooks on vs off, one process', async () => {
		const env = variantEnv('none');
		env.NODE_OPTIONS = [preload('gc-tally.mjs'), preload('als-toggle.mjs'), NO_CONTEXT_FRAME].join(' ');
		const d = await startDirectus({ env: { ...env, EXTENSIONS_PATH: join(BENCH_TMP, 'extensions-ping-none') } });
		try {
			let on = false;
			const sides: PingSide[] = [
				{ label: 'hooks-off', d },
				{ label: 'hooks-on', d },
			];
			const rounds = await pingRounds(sides, {
				rounds: ROUNDS,
				roundMs: ROUND_MS,
				connections: CONNECTIONS,
				gcTally: true,
				beforeRound: async ({ label }) => {
					if ((label === 'hooks-on') === on) return;
					process.kill(d.pid, 'SIGWINCH');
					on = !on;
					for (let i = 0; i < 100 && (await processState(d)).promiseHooks !== on; i++) await new Promise((resolve) => setTimeout(resolve, 10));
				},
			});
			for (const label of ['hooks-off', 'hooks-on']) {
				const r = rounds.get(label) ?? [];
				const pings = r.reduce((s, x) => s + x.rps * (ROUND_MS / 1000), 0);
				report.add(`${label}: GET /server/ping (median of rounds)`, median(r.map((x) => x.rps)), 'req/s');
				report.add(`${label}: server CPU per response (median)`, median(r.map((x) => x.cpuMs)), 'ms');
				report.add(`${label}: GC per 10k pings`, (r.reduce((s, x) => s + (x.gcCount ?? 0), 0) / pings) * 10_000, '');
			}
			const rps = roundRatios(rounds, 'hooks-on', 'hooks-off', (x) => x.rps);
			const cpu = roundRatios(rounds, 'hooks-on', 'hooks-off', (x) => x.cpuMs);
			report.add('/server/ping RPS hooks on / off (median of per-round ratios)', rps.median, '×', undefined, `rounds ${rps.min.toFixed(2)}–${rps.max.toFixed(2)}`);
			report.add('/server/ping CPU per response hooks on / off', cpu.median, '×', undefined, `rounds ${cpu.min.toFixed(2)}–${cpu.max.toFixed(2)}`);
			report.note(`load average at end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
		} finally {
			await d.stop();
		}
	});
});

/**
 * GET /items/articles?limit=25 as the admin on every side, in the same interleaved rounds as the
 * pings: a content read with and without the suite (the issue's second Directus route). The
 * collection and its items are created first on every instance that lacks them.
 */
async function itemsRounds(sides: PingSide[], report: Report): Promise<void> {
	for (const { d } of sides) {
		if ((await d.request('GET', '/collections/articles')).status !== 200) await createCollection(d, 'articles', { title: 'string', body: 'text' });
		const items = Array.from({ length: ITEMS }, (_, i) => ({ title: `Article ${i + 1}`, body: `Body of article ${i + 1}. `.repeat(20) }));
		const res = await d.request('POST', '/items/articles', { body: items });
		if (res.status !== 200) throw new Error(`creating articles: ${res.status} ${res.text}`);
	}
	const rounds = await pingRounds(sides, {
		rounds: ROUNDS,
		roundMs: ROUND_MS,
		connections: CONNECTIONS,
		request: ({ d }) => ({ path: '/items/articles?limit=25', headers: { authorization: `Bearer ${d.adminToken}` } }),
	});
	for (const { label } of sides) {
		const r = rounds.get(label) ?? [];
		report.add(`${label}: GET /items/articles (median of rounds)`, median(r.map((x) => x.rps)), 'req/s', undefined, `rounds ${Math.min(...r.map((x) => x.rps)).toFixed(0)}–${Math.max(...r.map((x) => x.rps)).toFixed(0)}`);
		report.add(`${label}: /items/articles server CPU per response (median)`, median(r.map((x) => x.cpuMs)), 'ms');
		if (label === 'none' || !rounds.has('none')) continue;
		const rps = roundRatios(rounds, label, 'none', (x) => x.rps);
		const cpu = roundRatios(rounds, label, 'none', (x) => x.cpuMs);
		report.add(`/items/articles RPS ${label} / none (median of per-round ratios)`, rps.median, '×', undefined, `rounds ${rps.min.toFixed(2)}–${rps.max.toFixed(2)}`);
		report.add(`/items/articles CPU per response ${label} / none`, cpu.median, '×', undefined, `rounds ${cpu.min.toFixed(2)}–${cpu.max.toFixed(2)}`);
	}
}
