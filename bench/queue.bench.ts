import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Queue as BullQueue, Worker } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteKeys } from '../extensions/ml-suite/src/core/jobs/fixtures/redis-keys.js';
import { BullmqQueue } from '../extensions/ml-suite/src/core/jobs/bullmq-queue.js';
import { redisOptionsFromUrl, workerConnection } from '../extensions/ml-suite/src/core/jobs/bullmq-connection.js';
import { priorityValue } from '../extensions/ml-suite/src/core/jobs/job-priority.js';
import { resolveTuning } from '../extensions/ml-suite/src/core/jobs/queue-options.js';
import { REDIS_URL } from '../test/support/services.js';
import { embedJob, noopJob, runJobBody, type JobPayload } from './support/bench-jobs.js';
import { CHILD_EXEC_ARGV } from './support/children.js';
import { generateItems } from './support/corpus.js';
import { intEnv } from './support/env.js';
import { Report } from './support/report.js';

/**
 * Issue "Durable job queue": jobs/s through our BullmqQueue against plain BullMQ (Queue + Worker
 * used directly) on the same Redis with the same concurrency, for no-op and local-embedding
 * jobs; then 1 vs 2 standalone worker processes. Each run: pause, enqueue everything, start
 * the workers, resume, and time until the last job has finished.
 */
const NOOP_JOBS = intEnv('BENCH_NOOP_JOBS', 3000);
const EMBED_JOBS = intEnv('BENCH_EMBED_JOBS', 1000);
const CONCURRENCY = intEnv('BENCH_QUEUE_CONCURRENCY', 4);
const RUN_PREFIX = `ml-bench-${randomUUID().slice(0, 8)}`;
const QUEUE = 'indexing';
type Kind = 'noop' | 'embed';

const texts = generateItems(64, 3).map((item) => item.body.slice(0, 1000));
const payload = (kind: Kind, n: number): JobPayload => (kind === 'noop' ? { n } : { n, texts: Array.from({ length: 8 }, (_, i) => texts[(n + i) % texts.length]!) });
const jobName = (kind: Kind): string => (kind === 'noop' ? 'bench-noop' : 'bench-embed');
let runCounter = 0;
const nextPrefix = (): string => `${RUN_PREFIX}-${++runCounter}`;

function waitUntil(count: () => number, target: number, timeoutMs: number): Promise<void> {
	return new Promise((resolve, reject) => {
		const deadline = Date.now() + timeoutMs;
		const tick = (): void => {
			if (count() >= target) return resolve();
			if (Date.now() > deadline) return reject(new Error(`timed out with ${count()} of ${target} jobs done`));
			setTimeout(tick, 2);
		};
		tick();
	});
}

async function enqueueAll(n: number, add: (i: number) => Promise<unknown>): Promise<number> {
	const started = performance.now();
	for (let i = 0; i < n; i += 100) await Promise.all(Array.from({ length: Math.min(100, n - i) }, (_, j) => add(i + j)));
	return performance.now() - started;
}

/** Our BullmqQueue, producer and workers in this process. */
async function runOurs(kind: Kind, n: number): Promise<{ jobsPerS: number; enqueuePerS: number }> {
	let done = 0;
	const queue = new BullmqQueue({ redisUrl: REDIS_URL, prefix: nextPrefix(), concurrency: CONCURRENCY });
	queue.register((kind === 'noop' ? noopJob(() => done++) : embedJob(() => done++)) as never);
	try {
		await queue.bullQueue(QUEUE).pause();
		const enqueueMs = await enqueueAll(n, (i) => queue.enqueue(jobName(kind), payload(kind, i)));
		await queue.startWorkers();
		const started = performance.now();
		await queue.bullQueue(QUEUE).resume();
		await waitUntil(() => done, n, 170_000);
		const ms = performance.now() - started;
		return { jobsPerS: n / (ms / 1000), enqueuePerS: n / (enqueueMs / 1000) };
	} finally {
		await queue.close({ timeoutMs: 5000 });
	}
}

/**
 * Plain BullMQ with the same connection settings and concurrency. `sameJobOptions` adds the job
 * options our queue sets on every job (priority, attempts + backoff, retention), to separate
 * the cost of those choices from the cost of our code.
 */
async function runPlain(kind: Kind, n: number, sameJobOptions: boolean): Promise<{ jobsPerS: number; enqueuePerS: number }> {
	let done = 0;
	const prefix = nextPrefix();
	const tuning = resolveTuning({});
	const connection = { ...redisOptionsFromUrl(REDIS_URL), enableOfflineQueue: false, maxRetriesPerRequest: 1 };
	const queue = new BullQueue(QUEUE, { connection, prefix });
	const options = sameJobOptions
		? {
				priority: priorityValue('normal'),
				attempts: tuning.defaultAttempts,
				backoff: { type: 'exponential', delay: 1000 },
				removeOnComplete: { age: tuning.keepCompleted.ageSeconds, count: tuning.keepCompleted.count },
				removeOnFail: { age: tuning.keepFailed.ageSeconds, count: tuning.keepFailed.count },
			}
		: {};
	let worker: Worker | undefined;
	try {
		await queue.waitUntilReady();
		await queue.pause();
		const enqueueMs = await enqueueAll(n, (i) => queue.add(jobName(kind), payload(kind, i), options));
		worker = new Worker(
			QUEUE,
			async (job) => {
				const result = await runJobBody(kind, job.data as JobPayload);
				done++;
				return result;
			},
			{ connection: workerConnection(REDIS_URL), prefix, concurrency: CONCURRENCY },
		);
		await worker.waitUntilReady();
		const started = performance.now();
		await queue.resume();
		await waitUntil(() => done, n, 170_000);
		const ms = performance.now() - started;
		return { jobsPerS: n / (ms / 1000), enqueuePerS: n / (enqueueMs / 1000) };
	} finally {
		await worker?.close();
		await queue.close();
	}
}

/** Standalone worker processes (our BullmqQueue in each), fed by a producer here. */
async function runProcesses(kind: Kind, n: number, processes: number): Promise<number> {
	const prefix = nextPrefix();
	const producer = new BullmqQueue({ redisUrl: REDIS_URL, prefix });
	producer.register((kind === 'noop' ? noopJob(() => undefined) : embedJob(() => undefined)) as never);
	const children: ChildProcess[] = [];
	let done = 0;
	try {
		await producer.bullQueue(QUEUE).pause();
		await enqueueAll(n, (i) => producer.enqueue(jobName(kind), payload(kind, i)));
		const ready: Promise<void>[] = [];
		for (let p = 0; p < processes; p++) {
			const child = fork(fileURLToPath(new URL('./children/queue-worker.ts', import.meta.url)), [REDIS_URL, prefix, String(CONCURRENCY)], {
				execPath: process.execPath,
				execArgv: CHILD_EXEC_ARGV,
				stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
			});
			children.push(child);
			ready.push(
				new Promise((resolve, reject) => {
					child.on('message', (m: { type: string }) => {
						if (m.type === 'ready') resolve();
						else if (m.type === 'done') done++;
					});
					child.once('exit', (code) => reject(new Error(`worker process exited with ${code}`)));
				}),
			);
		}
		await Promise.all(ready);
		const started = performance.now();
		await producer.bullQueue(QUEUE).resume();
		await waitUntil(() => done, n, 170_000);
		return n / ((performance.now() - started) / 1000);
	} finally {
		await Promise.all(
			children.map(
				(child) =>
					new Promise<void>((resolve) => {
						if (child.exitCode !== null) return resolve();
						const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
						child.once('exit', () => {
							clearTimeout(timer);
							resolve();
						});
						child.send({ type: 'stop' });
					}),
			),
		);
		await producer.close({ timeoutMs: 5000 });
	}
}

describe('queue', () => {
	const report = new Report('queue', { noopJobs: NOOP_JOBS, embedJobs: EMBED_JOBS, concurrency: CONCURRENCY });
	afterAll(async () => {
		report.save();
		await deleteKeys(REDIS_URL, `${RUN_PREFIX}*`);
	});

	for (const kind of ['noop', 'embed'] as const) {
		it(`${kind} jobs: BullmqQueue vs plain BullMQ`, async () => {
			const n = kind === 'noop' ? NOOP_JOBS : EMBED_JOBS;
			// Warm-up (JIT, Redis scripts loaded), not reported.
			await runPlain(kind, Math.min(200, n), false);
			await runOurs(kind, Math.min(200, n));
			const plain = await runPlain(kind, n, false);
			const plainSame = await runPlain(kind, n, true);
			const ours = await runOurs(kind, n);
			report.add(`${kind}: plain BullMQ jobs/s (default job options)`, plain.jobsPerS, 'jobs/s');
			report.add(`${kind}: plain BullMQ jobs/s (our job options)`, plainSame.jobsPerS, 'jobs/s');
			report.add(`${kind}: BullmqQueue jobs/s`, ours.jobsPerS, 'jobs/s');
			report.add(`${kind}: BullmqQueue overhead vs plain BullMQ`, 100 * (1 - ours.jobsPerS / plain.jobsPerS), '%', { max: 20 });
			report.add(`${kind}: BullmqQueue overhead vs plain with our job options`, 100 * (1 - ours.jobsPerS / plainSame.jobsPerS), '%');
			report.add(`${kind}: enqueue rate plain / BullmqQueue`, plain.enqueuePerS, 'jobs/s', undefined, `BullmqQueue: ${ours.enqueuePerS.toFixed(0)} jobs/s`);
			expect(ours.jobsPerS).toBeGreaterThan(0);
		});
	}

	for (const kind of ['noop', 'embed'] as const) {
		it(`${kind} jobs: 1 vs 2 standalone worker processes`, async () => {
			const n = kind === 'noop' ? NOOP_JOBS : EMBED_JOBS;
			const one = await runProcesses(kind, n, 1);
			const two = await runProcesses(kind, n, 2);
			report.add(`${kind}: 1 worker process jobs/s`, one, 'jobs/s');
			report.add(`${kind}: 2 worker processes jobs/s`, two, 'jobs/s');
			report.add(`${kind}: scaling 2 processes / 1`, two / one, 'x', undefined, 'the machine has 2 cores, shared with the producer and Redis');
		});
	}
});
