import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, it } from 'vitest';
import { createModelServerFetch } from '../extensions/ml-suite/src/core/providers/model-server-fetch.js';
import { intEnv } from './support/env.js';
import { Report } from './support/report.js';

/**
 * Client CPU of one embeddings call to a model server (issue 16): the fetch the OpenAI SDK is
 * given for embedding calls (undici's request API, `model-server-fetch.ts`) against Node's global
 * fetch (undici behind the WHATWG API), in interleaved rounds, with the server in another process.
 */
const CALLS = intEnv('BENCH_FETCH_CALLS', 3000);
const ROUNDS = intEnv('BENCH_FETCH_ROUNDS', 3);

describe('model-server fetch', () => {
	const report = new Report('fetch', { calls: CALLS, rounds: ROUNDS });
	const server = fork(fileURLToPath(new URL('./support/fake-embeddings-upstream.mjs', import.meta.url)));
	afterAll(() => {
		server.kill();
		report.save();
	});

	it('client CPU per call: model-server fetch vs global fetch', async () => {
		const port = await new Promise<number>((resolve) => server.once('message', (p) => resolve(Number(p))));
		const url = `http://127.0.0.1:${port}/v1/embeddings`;
		const init = { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer bench' }, body: JSON.stringify({ input: ['hello world'], model: 'bench-embed', encoding_format: 'base64' }) };
		const variants: [string, typeof fetch][] = [
			['global fetch', globalThis.fetch],
			['model-server fetch', createModelServerFetch()],
		];
		const cpu: Record<string, number[]> = {};
		for (let round = 0; round < ROUNDS; round++) {
			for (const [name, call] of variants) {
				for (let i = 0; i < 200; i++) await (await call(url, init)).json();
				const before = process.cpuUsage();
				for (let i = 0; i < CALLS; i++) await (await call(url, init)).json();
				const used = process.cpuUsage(before);
				(cpu[name] ??= []).push((used.user + used.system) / 1000 / CALLS);
			}
		}
		const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
		const global = median(cpu['global fetch']!);
		const lean = median(cpu['model-server fetch']!);
		report.add('global fetch: client CPU per call (median of rounds)', global, 'ms');
		report.add('model-server fetch: client CPU per call (median of rounds)', lean, 'ms');
		report.add('model-server / global fetch CPU', lean / global, '×');
	});
});
