import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, describe, expect, it, onTestFailed } from 'vitest';
import { deleteKeys } from '../extensions/ml-suite/src/core/jobs/fixtures/redis-keys.js';
// @ts-expect-error plain ESM helper shared with the start script
import * as runtime from '../scripts/lib/runtime.mjs';
import { createCollection, eventually } from './support/content.js';
import { startDirectus, type DirectusInstance } from './support/directus.js';
import { REDIS_URL, skipUnless } from './support/services.js';
import { startTcpProxy } from './support/tcp-proxy.js';

const rt = runtime as { ROOT: string; DIRECTUS_CLI: string; nodeBinary(): string };

// Durability end to end: Directus only produces jobs (ML_WORKERS_IN_PROCESS=false), standalone
// workers consume them from Redis, one is SIGKILLed in the middle of a reindex, Directus is
// restarted, and a fresh worker must finish the work with no duplicate vectors and no dead letters.
const ITEMS = 2000;
const BATCH = 500;
const prefix = `ml-e2e-${randomUUID().slice(0, 8)}`;
const ML_ENV = { ML_REDIS_URL: REDIS_URL, ML_QUEUE_PREFIX: prefix, ML_WORKERS_IN_PROCESS: 'false', ML_QUEUE_LOCK_MS: '5000' };

interface Worker {
	child: ChildProcess;
	output(): string;
	exited: Promise<number | null>;
}

/** `viaScript` runs `scripts/worker.mjs` (what `npm run worker` runs); otherwise the CLI command directly, so SIGKILL hits the worker itself. */
function startWorker(env: Record<string, string>, viaScript: boolean): Worker {
	const args = viaScript ? [join(rt.ROOT, 'scripts', 'worker.mjs')] : [rt.DIRECTUS_CLI, 'ml:worker'];
	const child = spawn(rt.nodeBinary(), args, { cwd: rt.ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
	let output = '';
	child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
	child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
	const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
	return { child, output: () => output, exited };
}

const alive = (w: Worker): boolean => w.child.exitCode === null && w.child.signalCode === null;

describe.skipIf(await skipUnless('redis'))('BullMQ queue end to end (standalone workers, real Redis)', () => {
	let directus: DirectusInstance | null = null;
	const workers: Worker[] = [];

	afterAll(async () => {
		for (const worker of workers) if (alive(worker)) worker.child.kill('SIGKILL');
		await directus?.stop();
		await deleteKeys(REDIS_URL, `${prefix}*`);
	});

	const coverage = async (d: DirectusInstance): Promise<any> => {
		const res = await d.request('GET', '/ml/indexes/stock/coverage');
		expect(res.status, res.text).toBe(200);
		return res.body.data;
	};

	it('finishes a reindex whose worker was SIGKILLed mid-job, across a Directus restart, exactly once per chunk', async () => {
		onTestFailed(() => {
			console.error(`--- directus log ---\n${directus?.logs().slice(-6000) ?? ''}`);
			for (const w of workers) console.error(`--- worker ${w.child.pid} ---\n${w.output().slice(-4000)}`);
		});
		directus = await startDirectus({ env: ML_ENV });
		const sqliteFile = directus.env.DB_FILENAME ?? '';
		await createCollection(directus, 'stock', { title: 'string', body: 'text' });
		for (let start = 0; start < ITEMS; start += BATCH) {
			const rows = Array.from({ length: BATCH }, (_, i) => ({ title: `Item ${start + i}`, body: `Stock item ${start + i}: a short description of part number ${(start + i) * 7919}.` }));
			const res = await directus.request('POST', '/items/stock', { body: rows });
			expect(res.status, res.text).toBe(200);
		}
		// Created after the items, so its reindex job is the one that walks all of them.
		const index = await directus.request('POST', '/items/ml_indexes', { body: { name: 'stock', collection: 'stock', title_field: 'title', content_fields: ['body'] } });
		expect(index.status, index.text).toBe(200);

		const d1 = directus;
		const overview = await d1.request('GET', '/ml/queues');
		expect(overview.body.data.backend).toBe('bullmq');
		const reindexId = await eventually(async () => {
			const res = await d1.request('GET', '/ml/queues/indexing/jobs?state=waiting');
			// Start-up also queues a reindex of the suite's own RAG index: pick this index's.
			return res.body.data?.jobs.find((j: any) => j.name === 'reindex' && j.data.indexId === index.body.data.id)?.id as string | undefined;
		}, 20_000, 'the reindex job to be queued (no worker runs yet)');

		const first = startWorker(d1.env, false);
		workers.push(first);
		const partial = await eventually(async () => {
			if (!alive(first)) throw new Error(`worker exited early:\n${first.output()}`);
			const job = (await d1.request('GET', `/ml/queues/indexing/jobs/${reindexId}`)).body.data;
			return job?.state === 'active' && job.progress?.processed > 0 && job.progress.processed < ITEMS ? job : null;
		}, 90_000, 'the reindex to be part-way through');
		expect(partial.progress.total).toBe(ITEMS);
		first.child.kill('SIGKILL');
		await first.exited;
		const afterKill = await coverage(d1);
		expect(afterKill.documents.indexed).toBeLessThan(ITEMS);

		await d1.stop();
		directus = await startDirectus({ sqliteFile, env: ML_ENV });
		const d2 = directus;
		const second = startWorker(d2.env, true);
		workers.push(second);

		const workerList = await eventually(async () => {
			if (!alive(second)) throw new Error(`worker exited early:\n${second.output()}`);
			const res = await d2.request('GET', '/ml/workers?queue=indexing');
			return res.status === 200 && res.body.data.length > 0 ? res.body.data : null;
		}, 60_000, 'the new worker to connect');
		expect(workerList[0]).toMatchObject({ queue: 'indexing' });

		// The killed job holds a lock until it expires; BullMQ's stalled-job check then hands it to
		// the new worker, which must complete it (idempotently: the items are already done by then).
		const recovered = await eventually(async () => {
			const job = (await d2.request('GET', `/ml/queues/indexing/jobs/${reindexId}`)).body.data;
			return job?.state === 'completed' ? job : null;
		}, 120_000, 'the killed reindex job to be recovered and completed');
		expect(recovered.progress.processed).toBe(ITEMS);

		const done = await eventually(async () => {
			const c = await coverage(d2);
			const queue = (await d2.request('GET', '/ml/queues/indexing')).body.data;
			const busy = queue.counts.waiting + queue.counts.prioritized + queue.counts.active + queue.counts.delayed;
			return c.documents.indexed === ITEMS && busy === 0 ? c : null;
		}, 60_000, 'every item indexed and the queue idle');
		expect(done.items).toBe(ITEMS);
		expect(done.documents).toMatchObject({ indexed: ITEMS, pending: 0, failed: 0 });
		expect(done.chunks).toBeGreaterThanOrEqual(ITEMS);
		expect(done.vectors).toBe(done.chunks);

		const notIndexed = await d2.request('GET', `/items/ml_documents?filter[collection][_eq]=stock&filter[status][_neq]=indexed&aggregate[count]=*`);
		expect(notIndexed.status, notIndexed.text).toBe(200);
		expect(Number(notIndexed.body.data[0].count)).toBe(0);

		const dead = await d2.request('GET', '/ml/dead-letter');
		expect(dead.body.data.total, JSON.stringify(dead.body.data.entries.slice(0, 3))).toBe(0);
		const queues = await d2.request('GET', '/ml/queues');
		expect(queues.body.data.backend).toBe('bullmq');
		expect(queues.body.data.queues.find((q: any) => q.queue === 'indexing').counts.failed).toBe(0);

		// `npm run worker` forwards SIGTERM: the worker drains and exits cleanly.
		second.child.kill('SIGTERM');
		expect(await second.exited).toBe(0);
	}, 300_000);

	it('keeps saving items while Redis is down, then indexes them once it is back', async () => {
		await directus?.stop();
		directus = null;
		const proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(REDIS_URL).port || 6379) });
		await proxy.down();
		try {
			const offline = await startDirectus({
				env: { ML_REDIS_URL: `redis://127.0.0.1:${proxy.port}`, ML_QUEUE_PREFIX: prefix, ML_WORKERS_IN_PROCESS: 'true', ML_RECONCILE_INTERVAL_SECONDS: '2' },
			});
			directus = offline;
			await createCollection(offline, 'offline_notes', { title: 'string', body: 'text' });
			const index = await offline.request('POST', '/items/ml_indexes', { body: { name: 'offline-notes', collection: 'offline_notes', title_field: 'title', content_fields: ['body'] } });
			expect(index.status, index.text).toBe(200);
			const ids: string[] = [];
			for (const title of ['One', 'Two', 'Three']) {
				const res = await offline.request('POST', '/items/offline_notes', { body: { title, body: `${title}: saved while Redis is away.` } });
				expect(res.status, res.text).toBe(200);
				ids.push(String(res.body.data.id));
			}

			const rows = await eventually(async () => {
				const res = await offline.request('GET', '/items/ml_documents?filter[collection][_eq]=offline_notes&fields=item,status&limit=-1');
				return res.status === 200 && res.body.data.length === ids.length ? res.body.data : null;
			}, 20_000, 'document rows for the saved items');
			expect(rows.map((r: any) => String(r.item)).sort()).toEqual([...ids].sort());
			expect(rows.every((r: any) => r.status === 'pending')).toBe(true);

			const health = await offline.request('GET', '/ml/health');
			expect(health.status).toBe(200);
			expect(health.body.services.queue.status).toBe('error');
			expect(health.body.services.queue.backend).toBe('bullmq');
			expect(health.body.status).toBe('error');
			expect((await offline.request('GET', '/ml/health/ready')).status).toBe(503);

			// Redis comes back: the reconcile sweep enqueues the pending rows and the workers index them.
			await proxy.up();
			await eventually(async () => {
				const res = await offline.request('GET', '/items/ml_documents?filter[collection][_eq]=offline_notes&filter[status][_eq]=indexed&fields=item&limit=-1');
				return res.body.data?.length === ids.length;
			}, 60_000, 'pending rows indexed after Redis returned');
			const search = await offline.request('POST', '/ml/search', { body: { query: 'saved while Redis is away', indexes: ['offline-notes'], limit: 5 } });
			expect(search.body.data.map((h: any) => h.item).sort()).toEqual([...ids].sort());
			expect((await offline.request('GET', '/ml/health/ready')).status).toBe(200);
		} finally {
			await proxy.close();
		}
	});

	// The scale-out setup of the README and docker-compose.yml: Directus's own `REDIS` is set (the
	// workers share that env), the suite's queue is on `ML_REDIS_URL`, both through a proxy that is
	// cut for longer than Directus core's Redis client survives. The standalone worker must stay
	// up and index what is saved once Redis is back (Directus itself may exit: it is restarted on
	// the same database, as a supervisor would).
	// Declared skipped (issue 14, open): written and run once during the session, but every run
	// timed out before the outage under the machine's load (the worker rebuilt the bundle first),
	// so it has not yet shown either result. Remove `.skip` to run it.
	it('the standalone worker survives a Redis outage with Directus\'s own REDIS set, and resumes', async () => {
		await directus?.stop();
		directus = null;
		const proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(new URL(REDIS_URL).port || 6379) });
		const viaProxy = (db: number): string => `redis://127.0.0.1:${proxy.port}/${db}`;
		const redisDb = new URL(REDIS_URL).pathname.slice(1) || '0';
		const env = {
			REDIS: viaProxy(Number(redisDb)),
			ML_REDIS_URL: viaProxy(Number(redisDb)),
			ML_QUEUE_PREFIX: prefix,
			ML_WORKERS_IN_PROCESS: 'false',
			ML_RECONCILE_INTERVAL_SECONDS: '2',
		};
		let worker: Worker | null = null;
		onTestFailed(() => {
			console.error(`--- directus log ---\n${directus?.logs().slice(-6000) ?? ''}`);
			if (worker) console.error(`--- worker ---\n${worker.output().slice(-6000)}`);
		});
		try {
			const first = await startDirectus({ env });
			directus = first;
			const sqliteFile = first.env.DB_FILENAME ?? '';
			const w = startWorker(first.env, true);
			worker = w;
			workers.push(w);
			await eventually(async () => {
				if (!alive(w)) throw new Error(`worker exited early:\n${w.output()}`);
				const res = await first.request('GET', '/ml/workers?queue=indexing');
				return res.status === 200 && res.body.data.length > 0;
			}, 300_000, 'the worker to connect');

			// Created while the worker runs: it must learn the new collection and index.
			await createCollection(first, 'outage_notes', { title: 'string', body: 'text' });
			const index = await first.request('POST', '/items/ml_indexes', { body: { name: 'outage-notes', collection: 'outage_notes', title_field: 'title', content_fields: ['body'] } });
			expect(index.status, index.text).toBe(200);
			const before = await first.request('POST', '/items/outage_notes', { body: { title: 'Before', body: 'Written before the Redis outage.' } });
			expect(before.status, before.text).toBe(200);
			const indexedCount = async (d: DirectusInstance): Promise<number> => {
				const res = await d.request('GET', '/items/ml_documents?filter[collection][_eq]=outage_notes&filter[status][_eq]=indexed&fields=item&limit=-1');
				return res.status === 200 ? res.body.data.length : -1;
			};
			await eventually(async () => (await indexedCount(first)) === 1, 180_000, 'the first item indexed by the worker');

			// Directus core's Redis client gives up after ~10 s of outage; wait well past that.
			await proxy.down();
			await new Promise((r) => setTimeout(r, 30_000));
			expect(alive(w), `the worker exited during the outage:\n${w.output().slice(-4000)}`).toBe(true);
			await proxy.up();

			let d = first;
			if (first.pid && !(await first.request('GET', '/server/ping').then(() => true, () => false))) {
				await first.stop();
				d = await startDirectus({ sqliteFile, env });
				directus = d;
			}
			const after = await eventually(async () => {
				const res = await d.request('POST', '/items/outage_notes', { body: { title: 'After', body: 'Written once Redis was back.' } });
				return res.status === 200 ? res : null;
			}, 30_000, 'a save after Redis returned');
			expect(after.status).toBe(200);
			await eventually(async () => (await indexedCount(d)) === 2, 180_000, 'the item saved after the outage indexed by the same worker');
			expect(alive(w), w.output().slice(-4000)).toBe(true);
			const search = await d.request('POST', '/ml/search', { body: { query: 'once Redis was back', indexes: ['outage-notes'], limit: 5 } });
			expect(search.status, search.text).toBe(200);
			expect(search.body.data.map((h: any) => String(h.item))).toContain(String(after.body.data.id));

			w.child.kill('SIGTERM');
			expect(await w.exited).toBe(0);
		} finally {
			await proxy.close();
		}
	}, 900_000);
});
