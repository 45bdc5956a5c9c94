import { mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../test/fakes/openai-server.js';
import { embeddingUpstreamEnv } from './support/upstream-env.js';
import { startDirectus } from '../test/support/directus.js';
import { BENCH_TMP } from './support/database.js';
import { intEnv } from './support/env.js';
import { runLoad } from './support/http-load.js';

/**
 * Issue 16: a CPU profile of one /ml route under load, the tool behind the README's performance
 * section. Directus runs with `node --cpu-prof` (OpenAI-compatible fake upstream in this process,
 * 1,536 dimensions, new texts each call), the route is driven for BENCH_PROFILE_MS with
 * BENCH_PROFILE_CONNECTIONS keep-alive connections, and the profile (written when Directus stops)
 * is summarised with bench/summarize-cpu-profile.mjs, skipping start-up and warm-up.
 * BENCH_PROFILE_ROUTE: generate (default), batch, similarity, trivial (the floor), proxy (the same
 * upstream call from a minimal route; proxy8 with the suite's undici 8; proxy-dispatch with undici 8's
 * dispatch API, as the suite's model-server fetch makes it), echo (the trivial route
 * with generate's JSON body), generate-cached (the same text every call: no upstream), users-me.
 * BENCH_PROFILE_SQL=true also logs every knex query (DEBUG=knex:query, which costs CPU of its
 * own) and prints the statements run during the measured load, per response: which database work
 * a route causes, including the write-behind and batched writes whose stacks the profile cannot
 * tie to a request.
 * The .cpuprofile stays in bench/.data/profiles/ for Chrome DevTools.
 */
const ROUTE = process.env.BENCH_PROFILE_ROUTE ?? 'generate';
const DURATION_MS = intEnv('BENCH_PROFILE_MS', 20_000);
const CONNECTIONS = intEnv('BENCH_PROFILE_CONNECTIONS', 4);
const SQL = process.env.BENCH_PROFILE_SQL === 'true';
const ROOT = join(import.meta.dirname, '..');

let seq = 0;
const newText = (): string => `profile text number ${++seq} about ${(seq * 7919) % 10007} things`;

const routes: Record<string, { method: 'GET' | 'POST'; path: string; body?: () => unknown }> = {
	generate: { method: 'POST', path: '/ml/embeddings/generate', body: () => ({ text: newText() }) },
	batch: { method: 'POST', path: '/ml/embeddings/batch', body: () => ({ texts: Array.from({ length: 32 }, newText) }) },
	similarity: { method: 'POST', path: '/ml/embeddings/similarity', body: () => ({ text1: newText(), text2: newText() }) },
	trivial: { method: 'GET', path: '/bench-trivial' },
	proxy: { method: 'POST', path: '/bench-trivial/proxy', body: () => ({ text: newText() }) },
	proxy8: { method: 'POST', path: '/bench-trivial/proxy8', body: () => ({ text: newText() }) },
	'proxy-dispatch': { method: 'POST', path: '/bench-trivial/proxy-dispatch', body: () => ({ text: newText() }) },
	echo: { method: 'POST', path: '/bench-trivial/echo', body: () => ({ text: newText() }) },
	'generate-cached': { method: 'POST', path: '/ml/embeddings/generate', body: () => ({ text: 'the same text every call' }) },
	'users-me': { method: 'GET', path: '/users/me' },
};

describe('request-profile', () => {
	let fake: FakeOpenAIServer | undefined;
	afterAll(async () => {
		await fake?.close();
	});

	it(`CPU profile of ${ROUTE}`, async () => {
		const spec = routes[ROUTE];
		if (!spec) throw new Error(`BENCH_PROFILE_ROUTE must be one of ${Object.keys(routes).join(', ')}`);
		fake = await startFakeOpenAIServer({ dimensions: 1536, embeddings: 'pool' });
		const extensions = join(BENCH_TMP, 'extensions-profile');
		mkdirSync(extensions, { recursive: true });
		symlinkSync(join(ROOT, 'bench', 'fixtures', 'bench-trivial-endpoint'), join(extensions, 'bench-trivial-endpoint'));
		symlinkSync(join(ROOT, 'extensions', 'ml-suite'), join(extensions, 'ml-suite'));
		const profileDir = join(ROOT, 'bench', '.data', 'profiles', `${ROUTE}-${Date.now()}`);
		mkdirSync(profileDir, { recursive: true });
		const d = await startDirectus({
			env: {
				NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${profileDir}`,
				EXTENSIONS_PATH: extensions,
				...embeddingUpstreamEnv(fake.baseUrl),
				...(SQL ? { DEBUG: 'knex:query' } : {}),
			},
		});
		const request = { method: spec.method, path: spec.path, headers: { authorization: `Bearer ${d.adminToken}` }, ...(spec.body ? { body: spec.body } : {}) };
		let loadMs = 0;
		try {
			await runLoad(d.url, request, { connections: CONNECTIONS, maxRequests: 200 });
			const logged = d.logs().length;
			const started = Date.now();
			const r = await runLoad(d.url, request, { connections: CONNECTIONS, durationMs: DURATION_MS, serverPid: d.pid });
			loadMs = Date.now() - started;
			expect(r.errors).toBe(0);
			console.log(`${ROUTE}: ${r.requests} requests, ${r.rps.toFixed(1)} req/s, server CPU ${r.cpuMsPerResponse?.toFixed(2)} ms per response`);
			if (SQL) printStatements(d.logs().slice(logged), r.requests);
		} finally {
			await d.stop();
		}
		const files = readdirSync(profileDir).filter((f) => f.endsWith('.cpuprofile'));
		expect(files.length).toBeGreaterThan(0);
		// Directus stops right after the measured load, so its last DURATION_MS are that load (the
		// profile's clock starts after this process spawned it, so a skip from the spawn time cut
		// seconds off the load).
		for (const file of files) {
			const out = spawnSync(process.execPath, [join(ROOT, 'bench', 'summarize-cpu-profile.mjs'), join(profileDir, file), `--last-ms=${Math.round(loadMs)}`], { encoding: 'utf8' });
			console.log(out.stdout, out.stderr);
		}
	});
});

/** Statements knex logged (DEBUG=knex:query), by shape (literals and placeholder lists folded), per response. */
function printStatements(log: string, responses: number): void {
	const counts = new Map<string, number>();
	for (const line of log.split('\n')) {
		const at = line.indexOf('knex:query ');
		if (at < 0) continue;
		const shape = line
			.slice(at + 11)
			.replace(/\s+\+\d+m?s$/, '')
			.replace(/(\?|\$\d+)(\s*,\s*(\?|\$\d+))+/g, '?…')
			.replace(/\((\?…|\?)\)(\s*,\s*\((\?…|\?)\))+/g, '(…)…')
			.replace(/trx\d+/g, 'trx')
			.slice(0, 160);
		counts.set(shape, (counts.get(shape) ?? 0) + 1);
	}
	console.log(`SQL statements during the load (${responses} responses):`);
	for (const [shape, count] of [...counts].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${(count / responses).toFixed(3).padStart(7)} per response  ${shape}`);
}
