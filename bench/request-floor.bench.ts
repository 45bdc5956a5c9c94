import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../test/fakes/openai-server.js';
import { embeddingUpstreamEnv } from './support/upstream-env.js';
import { startDirectus, type DirectusInstance } from '../test/support/directus.js';
import { BENCH_TMP } from './support/database.js';
import { intEnv } from './support/env.js';
import { runLoad, type LoadRequest } from './support/http-load.js';
import { Report } from './support/report.js';
import { median, percentile } from './support/stats.js';

/**
 * Issue 16: where the CPU of `POST /ml/embeddings/generate` goes, step by step from the trivial
 * authenticated route, on one Directus with the suite (OpenAI-compatible fake upstream in this
 * process that answers at once from prepared vectors). Every route is called sequentially with
 * keep-alive, BENCH_FLOOR_PER_ROUND calls per route per round, in BENCH_FLOOR_ROUNDS rounds whose
 * order rotates (and reverses every other round); server CPU per response is the Directus
 * process's run time from every thread's /proc schedstat (nanoseconds). Each figure is the median
 * over rounds of the route's CPU divided by the trivial route's in the same round, so the shared
 * machine's drift and the suite's periodic work (usage flush, write-behind cache writes) do not
 * land on one figure only.
 *
 * Steps: trivial GET → the same JSON body (echo) → a 21 KB answer (blob) → the upstream call
 * (proxy, undici 7 of the project; proxy8, the suite's undici 8; proxy-dispatch, undici 8's
 * low-level dispatch with a handler collecting the chunks) → generate of a cached text (the
 * suite's glue without an upstream call) → generate of a new text, float and base64 out → batch
 * (32 new texts: its CPU per response is per call of 32).
 * BENCH_FLOOR_ROUTES (comma-separated names) narrows the list; `trivial` is always measured.
 * BENCH_FLOOR_BASELINE=<dir of another ml-suite build> starts a second Directus with it and
 * measures both in the same rounds (each route's CPU this build / baseline, median of rounds; and
 * the route / trivial ratio this build / baseline, which takes out the two processes' difference).
 * BENCH_FLOOR_SCHEMA_FREEZE=false starts every instance with Directus's own default
 * (CACHE_SCHEMA_FREEZE_ENABLED=false: a copy of the schema per request, as existing installs run
 * unless they set it) instead of the suite's default (true): the same steps over a dearer floor.
 * BENCH_FLOOR_STRACE=true then counts the system calls each route makes per response (`strace -f
 * -c` attached to Directus for BENCH_FLOOR_PER_ROUND calls): independent of the machine's load,
 * and socket writes on loopback carry the receiving side's TCP work too.
 */
const ROUNDS = intEnv('BENCH_FLOOR_ROUNDS', 12);
const PER_ROUND = intEnv('BENCH_FLOOR_PER_ROUND', 150);
const ROOT = join(import.meta.dirname, '..');

let seq = 0;
const newText = (): string => `floor text number ${++seq} about ${(seq * 7919) % 10007} things`;

const ROUTES: Record<string, Omit<LoadRequest, 'headers'>> = {
	trivial: { method: 'GET', path: '/bench-trivial' },
	echo: { method: 'POST', path: '/bench-trivial/echo', body: () => ({ text: newText() }) },
	blob: { method: 'POST', path: '/bench-trivial/blob', body: () => ({ text: newText() }) },
	proxy: { method: 'POST', path: '/bench-trivial/proxy', body: () => ({ text: newText() }) },
	proxy8: { method: 'POST', path: '/bench-trivial/proxy8', body: () => ({ text: newText() }) },
	'proxy-dispatch': { method: 'POST', path: '/bench-trivial/proxy-dispatch', body: () => ({ text: newText() }) },
	'generate-cached': { method: 'POST', path: '/ml/embeddings/generate', body: () => ({ text: 'the same text every call' }) },
	generate: { method: 'POST', path: '/ml/embeddings/generate', body: () => ({ text: newText() }) },
	'generate-base64': { method: 'POST', path: '/ml/embeddings/generate', body: () => ({ text: newText(), encoding_format: 'base64' }) },
	batch: { method: 'POST', path: '/ml/embeddings/batch', body: () => ({ texts: Array.from({ length: 32 }, newText) }) },
};

function selectedRoutes(): string[] {
	const wanted = process.env.BENCH_FLOOR_ROUTES?.split(',').map((s) => s.trim()).filter(Boolean);
	const names = wanted?.length ? wanted : Object.keys(ROUTES);
	for (const name of names) if (!ROUTES[name]) throw new Error(`BENCH_FLOOR_ROUTES: unknown route ${name} (${Object.keys(ROUTES).join(', ')})`);
	return ['trivial', ...names.filter((n) => n !== 'trivial')];
}

describe('request-floor', () => {
	const report = new Report('request-floor', { rounds: ROUNDS, perRound: PER_ROUND });
	let fake: FakeOpenAIServer | undefined;
	const instances: { label: string; d: DirectusInstance }[] = [];
	afterAll(async () => {
		report.save();
		for (const { d } of instances) await d.stop();
		await fake?.close();
	});

	it('server CPU per response, route by route, against the trivial route', async () => {
		fake = await startFakeOpenAIServer({ dimensions: 1536, embeddings: 'pool' });
		const builds: [string, string][] = [['this build', join(ROOT, 'extensions', 'ml-suite')]];
		if (process.env.BENCH_FLOOR_BASELINE) builds.unshift(['baseline', process.env.BENCH_FLOOR_BASELINE]);
		for (const [label, suite] of builds) {
			const extensions = join(BENCH_TMP, `extensions-floor-${label.replace(/\W/g, '-')}`);
			mkdirSync(extensions, { recursive: true });
			symlinkSync(join(ROOT, 'bench', 'fixtures', 'bench-trivial-endpoint'), join(extensions, 'bench-trivial-endpoint'));
			symlinkSync(suite, join(extensions, 'ml-suite'));
			const d = await startDirectus({
				env: {
					EXTENSIONS_PATH: extensions,
					...embeddingUpstreamEnv(fake.baseUrl),
					...(process.env.BENCH_FLOOR_SCHEMA_FREEZE ? { CACHE_SCHEMA_FREEZE_ENABLED: process.env.BENCH_FLOOR_SCHEMA_FREEZE } : {}),
				},
			});
			instances.push({ label, d });
		}
		if (process.env.BENCH_FLOOR_SCHEMA_FREEZE) report.note(`CACHE_SCHEMA_FREEZE_ENABLED=${process.env.BENCH_FLOOR_SCHEMA_FREEZE} on every instance`);
		report.note(`load average at start: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
		const names = selectedRoutes();
		const call = (d: DirectusInstance, name: string, requests: number) =>
			runLoad(d.url, { ...ROUTES[name]!, headers: { authorization: `Bearer ${d.adminToken}` } }, { connections: 1, maxRequests: requests, serverPid: d.pid });
		for (const { d } of instances) for (const name of names) expect((await call(d, name, 100)).errors, name).toBe(0);
		// Every (build, route) pair takes its turn in every round, the order rotating (and reversed
		// every other round).
		const pairs = instances.flatMap((instance) => names.map((name) => ({ instance, name, key: `${instance.label}: ${name}` })));
		const cpu = new Map<string, number[]>(pairs.map((p) => [p.key, []]));
		// CPU by thread ("main"; libuv pool "libuv-worker"; V8's GC and compiler helpers, named
		// "node" like the process), summed over the rounds: a CPU profile samples the main thread only.
		const byThread = new Map<string, Map<string, number>>(pairs.map((p) => [p.key, new Map()]));
		for (let round = 0; round < ROUNDS; round++) {
			const rotated = pairs.map((_, i) => pairs[(i + round) % pairs.length]!);
			for (const { instance, name, key } of round % 2 === 0 ? rotated : rotated.reverse()) {
				const threadsBefore = threadCpuMs(instance.d.pid);
				const r = await call(instance.d, name, PER_ROUND);
				expect(r.errors, key).toBe(0);
				const tally = byThread.get(key)!;
				for (const [thread, ms] of threadCpuMs(instance.d.pid)) tally.set(thread, (tally.get(thread) ?? 0) + (ms - (threadsBefore.get(thread) ?? 0)) / r.requests / ROUNDS);
				cpu.get(key)!.push(r.cpuMsPerResponse ?? Number.NaN);
			}
		}
		for (const { label } of instances) {
			const trivial = cpu.get(`${label}: trivial`)!;
			for (const name of names) {
				const key = `${label}: ${name}`;
				const values = cpu.get(key)!;
				const ratios = values.map((v, i) => v / trivial[i]!);
				report.add(`${key}: server CPU per response (median of rounds)`, median(values), 'ms');
				const threads = [...byThread.get(key)!].sort((a, b) => b[1] - a[1]).map(([thread, ms]) => `${thread} ${ms.toFixed(3)}`);
				report.note(`${key}: mean CPU per response by thread (ms): ${threads.join(', ')}`);
				const target = label === 'this build' && name.startsWith('generate') && name !== 'generate-cached' ? { max: 1.5 } : undefined;
				if (name !== 'trivial') report.add(`${key} / trivial CPU`, median(ratios), '×', target, `rounds ${percentile(ratios, 0).toFixed(2)}–${percentile(ratios, 100).toFixed(2)}`);
			}
		}
		if (instances.length > 1) {
			for (const name of names) {
				const before = cpu.get(`baseline: ${name}`)!;
				const ratios = cpu.get(`this build: ${name}`)!.map((v, i) => v / before[i]!);
				report.add(`${name}: server CPU, this build / baseline`, median(ratios), '×', undefined, `rounds ${percentile(ratios, 0).toFixed(2)}–${percentile(ratios, 100).toFixed(2)}`);
				// The same with each build's route taken against its own instance's trivial route in
				// that round: two Directus processes differ by up to ±15% on identical routes.
				if (name === 'trivial') continue;
				const thisTrivial = cpu.get('this build: trivial')!;
				const baseTrivial = cpu.get('baseline: trivial')!;
				const normalised = cpu.get(`this build: ${name}`)!.map((v, i) => v / thisTrivial[i]! / (before[i]! / baseTrivial[i]!));
				report.add(`${name} / trivial CPU, this build / baseline`, median(normalised), '×', undefined, `rounds ${percentile(normalised, 0).toFixed(2)}–${percentile(normalised, 100).toFixed(2)}`);
			}
		}
		if (process.env.BENCH_FLOOR_STRACE === 'true') {
			for (const { label, d } of instances) {
				for (const name of names) {
					const counts = await syscallsPerResponse(d.pid, PER_ROUND, () => call(d, name, PER_ROUND));
					report.note(`${label}: ${name}: system calls per response: ${counts}`);
				}
			}
		}
		report.note(`load average at end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
	});
});

/** `strace -f -c` attached to `pid` while `run` makes `responses` calls: the busiest system calls, per response. */
async function syscallsPerResponse(pid: number, responses: number, run: () => Promise<unknown>): Promise<string> {
	const out = join(BENCH_TMP, `strace-${pid}-${Date.now()}.txt`);
	const strace = spawn('strace', ['-f', '-c', '-p', String(pid), '-o', out], { stdio: 'ignore' });
	const exited = new Promise<void>((resolve) => strace.once('exit', () => resolve()));
	await new Promise((resolve) => setTimeout(resolve, 1000));
	await run();
	strace.kill('SIGINT');
	await exited;
	const rows = readFileSync(out, 'utf8')
		.split('\n')
		.map((line) => line.trim().split(/\s+/))
		.filter((f) => f.length >= 5 && /^\d/.test(f[0]!) && f.at(-1) !== 'total')
		.map((f) => ({ name: f.at(-1)!, calls: Number(f[3]) }))
		.filter((r) => Number.isFinite(r.calls))
		.sort((a, b) => b.calls - a.calls);
	return rows.slice(0, 10).map((r) => `${r.name} ${(r.calls / responses).toFixed(2)}`).join(', ');
}

/** Run time of a process's threads so far, summed by thread name (`main` for the main thread; Linux /proc schedstat), ms. */
function threadCpuMs(pid: number): Map<string, number> {
	const out = new Map<string, number>();
	for (const task of readdirSync(`/proc/${pid}/task`)) {
		try {
			// The main thread (the event loop and the JavaScript) apart from helper threads of the same name.
			const name = task === String(pid) ? 'main' : readFileSync(`/proc/${pid}/task/${task}/comm`, 'utf8').trim();
			const ns = Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
			out.set(name, (out.get(name) ?? 0) + ns / 1e6);
		} catch {
			// The thread ended between the listing and the read.
		}
	}
	return out;
}
