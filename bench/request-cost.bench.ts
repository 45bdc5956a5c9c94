import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../test/fakes/openai-server.js';
import { createCollection, eventually } from '../test/support/content.js';
import { startDirectus, type DirectusInstance } from '../test/support/directus.js';
import { generateItems } from './support/corpus.js';
import { BENCH_TMP } from './support/database.js';
import { intEnv } from './support/env.js';
import { runLoad } from './support/http-load.js';
import { Report } from './support/report.js';
import { median } from './support/stats.js';

/**
 * Issue 16, request-path cost: what an /ml call costs on top of Directus's own floor, on the
 * embedded default with an OpenAI-compatible upstream that answers at once (the fake server in
 * this process, 1,536 dimensions), all on loopback:
 * - sequential keep-alive calls: /ml/embeddings/generate (a new text each call) vs GET /users/me,
 *   and server CPU per response vs a trivial authenticated extension route (bench/fixtures);
 * - /ml/embeddings/batch (32 new texts) RPS, float and base64;
 * - GET /server/ping RPS with the suite installed vs a Directus without it (interleaved rounds);
 * - search and ask p50 over ~10k chunks.
 * With BENCH_BASELINE_EXTENSIONS=<dir holding an older ml-suite build>, the same figures are
 * measured for that build in the same run (the README says how the "before" build was made);
 * BENCH_BASELINE_SCHEMA_FREEZE=true runs it with CACHE_SCHEMA_FREEZE_ENABLED=true (a baseline
 * that already shipped with the frozen schema).
 */
const SEQUENTIAL = intEnv('BENCH_REQ_SEQUENTIAL', 300);
const LOAD_MS = intEnv('BENCH_REQ_LOAD_MS', 10_000);
const CHUNK_ITEMS = intEnv('BENCH_REQ_ITEMS', 2000);
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
	generateCpu: number;
	batchRps: number;
	batchBase64Rps: number;
	searchP50: number;
	askP50: number;
}

let textSeq = 0;
const newText = (): string => `benchmark text number ${++textSeq} about ${(textSeq * 7919) % 10007} things`;

async function sequential(d: DirectusInstance, method: 'GET' | 'POST', path: string, body?: () => unknown): Promise<{ wallMs: number; cpuMs: number }> {
	const r = await runLoad(d.url, { method, path, headers: { authorization: `Bearer ${d.adminToken}` }, ...(body ? { body } : {}) }, { connections: 1, maxRequests: SEQUENTIAL, serverPid: d.pid });
	expect(r.errors).toBe(0);
	return { wallMs: r.durationMs / r.requests, cpuMs: r.cpuMsPerResponse ?? Number.NaN };
}

async function measureSuite(d: DirectusInstance, report: Report, label: string): Promise<Figures> {
	const auth = { authorization: `Bearer ${d.adminToken}` };
	// Warm-up of every route measured (JIT, schema cache, model registry).
	for (let i = 0; i < 30; i++) {
		await d.request('GET', '/users/me');
		await d.request('GET', '/bench-trivial');
		await d.request('POST', '/ml/embeddings/generate', { body: { text: newText() } });
	}
	const usersMe = await sequential(d, 'GET', '/users/me');
	const trivial = await sequential(d, 'GET', '/bench-trivial');
	const generate = await sequential(d, 'POST', '/ml/embeddings/generate', () => ({ text: newText() }));
	const batchBody = (): unknown => ({ texts: Array.from({ length: 32 }, newText) });
	const batch = await runLoad(d.url, { method: 'POST', path: '/ml/embeddings/batch', headers: auth, body: batchBody }, { connections: 4, durationMs: LOAD_MS, serverPid: d.pid });
	const batch64 = await runLoad(d.url, { method: 'POST', path: '/ml/embeddings/batch', headers: auth, body: () => ({ ...(batchBody() as object), encoding_format: 'base64' }) }, { connections: 4, durationMs: LOAD_MS });

	const queries = generateItems(60, 99).map((item) => item.title);
	const search = await runLoad(d.url, { method: 'POST', path: '/ml/search', headers: auth, body: (i) => ({ query: queries[i % queries.length], indexes: ['bench'], limit: 10 }) }, { connections: 1, maxRequests: 60 });
	const ask = await runLoad(d.url, { method: 'POST', path: '/ml/ask', headers: auth, body: (i) => ({ question: queries[i % queries.length], indexes: ['bench'] }) }, { connections: 1, maxRequests: 40 });

	const f: Figures = {
		usersMeMs: usersMe.wallMs,
		generateMs: generate.wallMs,
		trivialCpu: trivial.cpuMs,
		generateCpu: generate.cpuMs,
		batchRps: batch.rps,
		batchBase64Rps: batch64.rps,
		searchP50: median(search.latenciesMs),
		askP50: median(ask.latenciesMs),
	};
	const now = label === 'this build';
	report.add(`${label}: GET /users/me, sequential`, f.usersMeMs, 'ms');
	report.add(`${label}: POST /ml/embeddings/generate, sequential`, f.generateMs, 'ms');
	report.add(`${label}: generate / users-me time`, f.generateMs / f.usersMeMs, '×', now ? { max: 1.2 } : undefined);
	report.add(`${label}: server CPU per trivial authenticated route`, f.trivialCpu, 'ms');
	report.add(`${label}: server CPU per generate`, f.generateCpu, 'ms');
	report.add(`${label}: generate / trivial route CPU`, f.generateCpu / f.trivialCpu, '×', now ? { max: 1.5 } : undefined);
	report.add(`${label}: /ml/embeddings/batch (32 texts), 4 connections`, f.batchRps, 'req/s');
	report.add(`${label}: same, encoding_format base64`, f.batchBase64Rps, 'req/s');
	report.add(`${label}: search p50 (~${CHUNK_ITEMS * 5} chunks)`, f.searchP50, 'ms');
	report.add(`${label}: ask p50 (extractive)`, f.askP50, 'ms');
	if (batch.errors + batch64.errors + search.errors + ask.errors > 0) report.note(`${label}: errors batch ${batch.errors}, base64 ${batch64.errors}, search ${search.errors}, ask ${ask.errors}`);
	return f;
}

async function startSuite(name: string, suite: string, fake: FakeOpenAIServer, extraEnv: Record<string, string> = {}): Promise<DirectusInstance> {
	const d = await startDirectus({
		env: {
			...extraEnv,
			EXTENSIONS_PATH: extensionsDir(name, suite),
			LOG_LEVEL: 'error',
			// A shared, loaded benchmark machine trips Directus's event-loop pressure limiter (503).
			PRESSURE_LIMITER_ENABLED: 'false',
			ML_EMBEDDING_PROVIDER: 'openai-compatible',
			ML_EMBEDDING_MODEL: 'bench-embed',
			ML_EMBEDDING_DIMENSIONS: '1536',
			ML_EMBEDDING_BASE_URL: fake.baseUrl,
			OPENAI_API_KEY: 'sk-bench',
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
		fake = await startFakeOpenAIServer({ dimensions: 1536 });
		const builds: [string, string][] = [['this build', join(ROOT, 'extensions', 'ml-suite')]];
		if (process.env.BENCH_BASELINE_EXTENSIONS) builds.unshift(['baseline build', process.env.BENCH_BASELINE_EXTENSIONS]);
		const results = new Map<string, Figures>();
		for (const [label, suite] of builds) {
			// The baseline runs with the schema setting it shipped with (BENCH_BASELINE_SCHEMA_FREEZE,
			// default false: Directus's own default, a schema copy per request, as before issue 16).
			const baselineEnv = { CACHE_SCHEMA_FREEZE_ENABLED: process.env.BENCH_BASELINE_SCHEMA_FREEZE === 'true' ? 'true' : 'false' };
			const d = await startSuite(label.replace(/\W/g, '-'), suite, fake, label === 'baseline build' ? baselineEnv : {});
			try {
				results.set(label, await measureSuite(d, report, label));
			} finally {
				await d.stop();
			}
		}
		const before = results.get('baseline build');
		const after = results.get('this build')!;
		if (before) {
			report.add('batch RPS, this build / baseline', after.batchRps / before.batchRps, '×', { min: 2 });
			report.add('search p50, this build / baseline', after.searchP50 / before.searchP50, '×');
			report.add('ask p50, this build / baseline', after.askP50 / before.askP50, '×');
		}

		// Directus's own floor with and without the suite, interleaved so drift hits both alike.
		const withSuite = await startDirectus({ env: { EXTENSIONS_PATH: extensionsDir('ping-with', join(ROOT, 'extensions', 'ml-suite')), LOG_LEVEL: 'error', PRESSURE_LIMITER_ENABLED: 'false' } });
		const without = await startDirectus({ env: { EXTENSIONS_PATH: extensionsDir('ping-without', null), LOG_LEVEL: 'error', PRESSURE_LIMITER_ENABLED: 'false' } });
		try {
			const rps = { with: [] as number[], without: [] as number[] };
			for (let round = 0; round < 3; round++) {
				for (const [key, d] of [['with', withSuite], ['without', without]] as const) {
					const r = await runLoad(d.url, { method: 'GET', path: '/server/ping' }, { connections: 8, durationMs: LOAD_MS / 2 });
					rps[key].push(r.rps);
				}
			}
			report.add('GET /server/ping with the suite', median(rps.with), 'req/s');
			report.add('GET /server/ping without the suite', median(rps.without), 'req/s');
			report.add('/server/ping RPS with / without the suite', median(rps.with) / median(rps.without), '×', { min: 0.9 });
		} finally {
			await withSuite.stop();
			await without.stop();
		}
	});
});
