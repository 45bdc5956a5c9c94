import { mkdirSync, symlinkSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../test/fakes/openai-server.js';
import { embeddingUpstreamEnv } from './support/upstream-env.js';
import { createCollection, eventually } from '../test/support/content.js';
import { startDirectus, type DirectusInstance } from '../test/support/directus.js';
import { generateItems } from './support/corpus.js';
import { BENCH_TMP } from './support/database.js';
import { intEnv } from './support/env.js';
import { runLoad, type LoadResult } from './support/http-load.js';
import { pingRounds, roundRatios } from './support/ping-ab.js';
import { Report } from './support/report.js';
import { median } from './support/stats.js';

/**
 * Issue 16, request-path cost: what an /ml call costs on top of Directus's own floor, on the
 * embedded default with an OpenAI-compatible upstream that answers at once (the fake server in
 * this process, 1,536 dimensions, answers from a pool of 64 vectors prepared at start so it costs
 * the shared CPU little), all on loopback:
 * - sequential keep-alive calls: /ml/embeddings/generate (a new text each call) vs GET /users/me,
 *   and server CPU per response (the Directus process's CPU time, /proc) vs a trivial
 *   authenticated extension route (bench/fixtures) and a minimal proxy route there that makes the
 *   same upstream call with undici and returns its body (the floor of any embedding proxy); also
 *   generate as a non-admin user;
 * - /ml/embeddings/batch (32 new texts) RPS, float and base64;
 * - GET /server/ping RPS with the suite installed vs a Directus without it (BENCH_PING_ROUNDS short
 *   interleaved rounds, median of per-round ratios; bench/ping.bench.ts measures it alone);
 * - search and ask p50 over ~10k chunks.
 * With BENCH_BASELINE_EXTENSIONS=<dir holding an older ml-suite build>, the same figures are
 * measured for that build in the same run, both instances up at once and measured in
 * BENCH_REQ_ROUNDS interleaved rounds (the README says how the "before" build was made);
 * BENCH_BASELINE_SCHEMA_FREEZE=true runs it with CACHE_SCHEMA_FREEZE_ENABLED=true (a baseline
 * that already shipped with the frozen schema).
 */
const SEQUENTIAL = intEnv('BENCH_REQ_SEQUENTIAL', 300);
const LOAD_MS = intEnv('BENCH_REQ_LOAD_MS', 10_000);
const CHUNK_ITEMS = intEnv('BENCH_REQ_ITEMS', 2000);
const ROUNDS = intEnv('BENCH_REQ_ROUNDS', 3);
const PING_ROUNDS = intEnv('BENCH_PING_ROUNDS', 24);
const PING_ROUND_MS = intEnv('BENCH_PING_ROUND_MS', 750);
const ROOT = join(import.meta.dirname, '..');

function extensionsDir(name: string, suite: string | null): string {
	const dir = join(BENCH_TMP, `extensions-${name}`);
	mkdirSync(dir, { recursive: true });
	symlinkSync(join(ROOT, 'bench', 'fixtures', 'bench-trivial-endpoint'), join(dir, 'bench-trivial-endpoint'));
	if (suite) symlinkSync(suite, join(dir, 'ml-suite'));
	return dir;
}

interface Figures {
	usersMeMs: number;
	generateMs: number;
	trivialCpu: number;
	proxyCpu: number;
	generateCpu: number;
	userGenerateCpu: number;
	batchRps: number;
	batchBase64Rps: number;
	searchP50: number;
	askP50: number;
}

let textSeq = 0;
const newText = (): string => `benchmark text number ${++textSeq} about ${(textSeq * 7919) % 10007} things`;

/** Sums of several sequential keep-alive runs of one route on one instance (interleaved with the others). */
class Tally {
	private wallMs = 0;
	private cpuMs = 0;
	private requests = 0;
	add(r: LoadResult): void {
		expect(r.errors).toBe(0);
		this.wallMs += r.durationMs;
		this.cpuMs += (r.cpuMsPerResponse ?? Number.NaN) * r.requests;
		this.requests += r.requests;
	}
	get msPerRequest(): number {
		return this.wallMs / this.requests;
	}
	get cpuPerRequest(): number {
		return this.cpuMs / this.requests;
	}
}

interface Suite {
	label: string;
	d: DirectusInstance;
	/** A non-admin user who may read ml_models (so may use models): the permission check runs. */
	userToken: string;
	usersMe: Tally;
	trivial: Tally;
	/** The minimal proxy route (bench fixture): the same upstream call, its body returned. */
	proxy: Tally;
	generate: Tally;
	userGenerate: Tally;
	batch: { requests: number; ms: number };
	batch64: { requests: number; ms: number };
}

const sequential = (d: DirectusInstance, token: string, method: 'GET' | 'POST', path: string, requests: number, body?: () => unknown): Promise<LoadResult> =>
	runLoad(d.url, { method, path, headers: { authorization: `Bearer ${token}` }, ...(body ? { body } : {}) }, { connections: 1, maxRequests: requests, serverPid: d.pid });

/**
 * Sequential figures in ROUNDS rounds, every build and route taking its turn in each round, so
 * the machine's drift (other work on a shared machine) hits every figure alike; then batch
 * load the same way.
 */
async function measureInterleaved(suites: Suite[]): Promise<void> {
	for (const s of suites) {
		// Warm-up of every route measured (JIT, schema cache, model registry, permission cache).
		for (let i = 0; i < 30; i++) {
			await s.d.request('GET', '/users/me');
			await s.d.request('GET', '/bench-trivial');
			await s.d.request('POST', '/bench-trivial/proxy', { body: { text: newText() } });
			await s.d.request('POST', '/ml/embeddings/generate', { body: { text: newText() } });
			await s.d.request('POST', '/ml/embeddings/generate', { body: { text: newText() }, token: s.userToken });
		}
	}
	const perRound = Math.max(1, Math.round(SEQUENTIAL / ROUNDS));
	const batchBody = (): unknown => ({ texts: Array.from({ length: 32 }, newText) });
	for (let round = 0; round < ROUNDS; round++) {
		for (const s of suites) {
			const admin = s.d.adminToken;
			s.usersMe.add(await sequential(s.d, admin, 'GET', '/users/me', perRound));
			s.trivial.add(await sequential(s.d, admin, 'GET', '/bench-trivial', perRound));
			s.proxy.add(await sequential(s.d, admin, 'POST', '/bench-trivial/proxy', perRound, () => ({ text: newText() })));
			s.generate.add(await sequential(s.d, admin, 'POST', '/ml/embeddings/generate', perRound, () => ({ text: newText() })));
			s.userGenerate.add(await sequential(s.d, s.userToken, 'POST', '/ml/embeddings/generate', perRound, () => ({ text: newText() })));
		}
	}
	for (let round = 0; round < ROUNDS; round++) {
		for (const s of suites) {
			const auth = { authorization: `Bearer ${s.d.adminToken}` };
			const batch = await runLoad(s.d.url, { method: 'POST', path: '/ml/embeddings/batch', headers: auth, body: batchBody }, { connections: 4, durationMs: LOAD_MS / ROUNDS });
			const batch64 = await runLoad(s.d.url, { method: 'POST', path: '/ml/embeddings/batch', headers: auth, body: () => ({ ...(batchBody() as object), encoding_format: 'base64' }) }, { connections: 4, durationMs: LOAD_MS / ROUNDS });
			expect(batch.errors + batch64.errors).toBe(0);
			s.batch.requests += batch.requests;
			s.batch.ms += batch.durationMs;
			s.batch64.requests += batch64.requests;
			s.batch64.ms += batch64.durationMs;
		}
	}
}

async function searchAndAsk(s: Suite, report: Report): Promise<{ searchP50: number; askP50: number }> {
	const auth = { authorization: `Bearer ${s.d.adminToken}` };
	const queries = generateItems(60, 99).map((item) => item.title);
	const search = await runLoad(s.d.url, { method: 'POST', path: '/ml/search', headers: auth, body: (i) => ({ query: queries[i % queries.length], indexes: ['bench'], limit: 10 }) }, { connections: 1, maxRequests: 60 });
	const ask = await runLoad(s.d.url, { method: 'POST', path: '/ml/ask', headers: auth, body: (i) => ({ question: queries[i % queries.length], indexes: ['bench'] }) }, { connections: 1, maxRequests: 40 });
	if (search.errors + ask.errors > 0) report.note(`${s.label}: errors search ${search.errors}, ask ${ask.errors}`);
	return { searchP50: median(search.latenciesMs), askP50: median(ask.latenciesMs) };
}

function reportSuite(s: Suite, extra: { searchP50: number; askP50: number }, report: Report): Figures {
	const f: Figures = {
		usersMeMs: s.usersMe.msPerRequest,
		generateMs: s.generate.msPerRequest,
		trivialCpu: s.trivial.cpuPerRequest,
		proxyCpu: s.proxy.cpuPerRequest,
		generateCpu: s.generate.cpuPerRequest,
		userGenerateCpu: s.userGenerate.cpuPerRequest,
		batchRps: (s.batch.requests / s.batch.ms) * 1000,
		batchBase64Rps: (s.batch64.requests / s.batch64.ms) * 1000,
		...extra,
	};
	const { label } = s;
	const now = label === 'this build';
	report.add(`${label}: GET /users/me, sequential`, f.usersMeMs, 'ms');
	report.add(`${label}: POST /ml/embeddings/generate, sequential`, f.generateMs, 'ms');
	report.add(`${label}: generate / users-me time`, f.generateMs / f.usersMeMs, '×', now ? { max: 1.2 } : undefined);
	report.add(`${label}: server CPU per trivial authenticated route`, f.trivialCpu, 'ms');
	report.add(`${label}: server CPU per generate`, f.generateCpu, 'ms');
	report.add(`${label}: generate / trivial route CPU`, f.generateCpu / f.trivialCpu, '×', now ? { max: 1.5 } : undefined);
	report.add(`${label}: server CPU per minimal proxy route (same upstream call, undici, body returned)`, f.proxyCpu, 'ms');
	report.add(`${label}: minimal proxy / trivial route CPU (the upstream round trip's floor)`, f.proxyCpu / f.trivialCpu, '×');
	report.add(`${label}: generate / minimal proxy CPU (the suite's own work)`, f.generateCpu / f.proxyCpu, '×');
	report.add(`${label}: server CPU per generate, non-admin user (model permission check)`, f.userGenerateCpu, 'ms');
	report.add(`${label}: /ml/embeddings/batch (32 texts), 4 connections`, f.batchRps, 'req/s');
	report.add(`${label}: same, encoding_format base64`, f.batchBase64Rps, 'req/s');
	report.add(`${label}: search p50 (~${CHUNK_ITEMS * 5} chunks)`, f.searchP50, 'ms');
	report.add(`${label}: ask p50 (extractive)`, f.askP50, 'ms');
	return f;
}

async function startSuite(name: string, suite: string, fake: FakeOpenAIServer, extraEnv: Record<string, string> = {}): Promise<DirectusInstance> {
	const d = await startDirectus({
		env: {
			...extraEnv,
			EXTENSIONS_PATH: extensionsDir(name, suite),
			...embeddingUpstreamEnv(fake.baseUrl),
			// The per-user limiter stays on (its check is part of a call's cost) but high enough that
			// the non-admin series (hundreds of calls a minute) is never refused.
			ML_RATE_LIMIT_REQUESTS: '1000000',
		},
	});
	await createCollection(d, 'bench_docs', { title: 'string', body: 'text' });
	const items = generateItems(CHUNK_ITEMS, 5).map(({ title, body }) => ({ title, body: `${body} ${body} ${body}`.slice(0, 4800) }));
	// 100 per request stays under Directus's 1 MB MAX_PAYLOAD_SIZE.
	for (let i = 0; i < items.length; i += 100) {
		const res = await d.request('POST', '/items/bench_docs', { body: items.slice(i, i + 100) });
		expect(res.status, res.text).toBe(200);
	}
	const created = await d.request('POST', '/items/ml_indexes', { body: { name: 'bench', collection: 'bench_docs', title_field: 'title', content_fields: ['body'], context_fields: ['title'], status: 'active' } });
	expect(created.status, created.text).toBe(200);
	await eventually(async () => (await d.request('GET', '/ml/indexes/bench/coverage')).body.data?.documents?.indexed >= CHUNK_ITEMS, 30 * 60_000, 'bench index');
	return d;
}

describe('request-cost', () => {
	const report = new Report('request', { sequential: SEQUENTIAL, loadMs: LOAD_MS, items: CHUNK_ITEMS });
	let fake: FakeOpenAIServer | undefined;
	afterAll(async () => {
		report.save();
		await fake?.close();
	});

	it('an /ml call vs Directus floor, batch RPS, /server/ping with and without the suite, search and ask p50', async () => {
		fake = await startFakeOpenAIServer({ dimensions: 1536, embeddings: 'pool' });
		report.note(`load average at start: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
		const builds: [string, string][] = [['this build', join(ROOT, 'extensions', 'ml-suite')]];
		if (process.env.BENCH_BASELINE_EXTENSIONS) builds.unshift(['baseline build', process.env.BENCH_BASELINE_EXTENSIONS]);
		const suites: Suite[] = [];
		const results = new Map<string, Figures>();
		try {
			for (const [label, suite] of builds) {
				// The baseline runs with the schema setting it shipped with (BENCH_BASELINE_SCHEMA_FREEZE,
				// default false: Directus's own default, a schema copy per request, as before issue 16).
				const baselineEnv = { CACHE_SCHEMA_FREEZE_ENABLED: process.env.BENCH_BASELINE_SCHEMA_FREEZE === 'true' ? 'true' : 'false' };
				const d = await startSuite(label.replace(/\W/g, '-'), suite, fake, label === 'baseline build' ? baselineEnv : {});
				const userToken = await d.createUser({ email: `bench-${suites.length}@example.com`, permissions: [{ collection: 'ml_models', action: 'read' }] });
				suites.push({ label, d, userToken, usersMe: new Tally(), trivial: new Tally(), proxy: new Tally(), generate: new Tally(), userGenerate: new Tally(), batch: { requests: 0, ms: 0 }, batch64: { requests: 0, ms: 0 } });
			}
			await measureInterleaved(suites);
			for (const s of suites) results.set(s.label, reportSuite(s, await searchAndAsk(s, report), report));
		} finally {
			for (const s of suites) await s.d.stop();
		}
		const before = results.get('baseline build');
		const after = results.get('this build')!;
		if (before) {
			report.add('generate server CPU, this build / baseline', after.generateCpu / before.generateCpu, '×');
			report.add('generate server CPU as a non-admin user, this build / baseline', after.userGenerateCpu / before.userGenerateCpu, '×');
			report.add('batch RPS, this build / baseline', after.batchRps / before.batchRps, '×', { min: 2 });
			report.add('search p50, this build / baseline', after.searchP50 / before.searchP50, '×');
			report.add('ask p50, this build / baseline', after.askP50 / before.askP50, '×');
		}

		// Directus's own floor with and without the suite, as bench/ping.bench.ts measures it: both
		// instances started fresh the same way (the suite at its embedded default), many short
		// interleaved rounds, the median of per-round ratios.
		const withSuite = await startDirectus({ env: { EXTENSIONS_PATH: extensionsDir('ping-with', join(ROOT, 'extensions', 'ml-suite')), LOG_LEVEL: 'error', PRESSURE_LIMITER_ENABLED: 'false' } });
		const without = await startDirectus({ env: { EXTENSIONS_PATH: extensionsDir('ping-without', null), LOG_LEVEL: 'error', PRESSURE_LIMITER_ENABLED: 'false' } });
		try {
			const rounds = await pingRounds(
				[
					{ label: 'with', d: withSuite },
					{ label: 'without', d: without },
				],
				{ rounds: PING_ROUNDS, roundMs: PING_ROUND_MS, connections: 8 },
			);
			const rps = (label: string): number => median((rounds.get(label) ?? []).map((r) => r.rps));
			const ratio = roundRatios(rounds, 'with', 'without', (r) => r.rps);
			const cpu = roundRatios(rounds, 'with', 'without', (r) => r.cpuMs);
			report.add('GET /server/ping with the suite', rps('with'), 'req/s');
			report.add('GET /server/ping without the suite', rps('without'), 'req/s');
			report.add('/server/ping RPS with / without the suite', ratio.median, '×', { min: 0.9 }, `median of ${PING_ROUNDS} per-round ratios, rounds ${ratio.min.toFixed(2)}–${ratio.max.toFixed(2)}`);
			report.add('/server/ping server CPU per response with / without the suite', cpu.median, '×', undefined, `rounds ${cpu.min.toFixed(2)}–${cpu.max.toFixed(2)}`);
			report.note(`load average at end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
		} finally {
			await withSuite.stop();
			await without.stop();
		}
	});
});
