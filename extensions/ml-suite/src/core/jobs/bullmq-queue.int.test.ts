import { randomUUID } from 'node:crypto';
import { Queue as BullQueue } from 'bullmq';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { REDIS_URL, skipUnless } from '../../../../../test/support/services.js';
import { BullmqQueue } from './bullmq-queue.js';
import { QueueAdmin } from './queue-admin.js';
import { runQueueConformance, waitFor } from './queue.conformance.js';
import { QueueUnavailableError } from './queue-unavailable-error.js';
import { deleteKeys } from './fixtures/redis-keys.js';

const skip = await skipUnless('redis');
const runPrefix = `ml-test-${randomUUID().slice(0, 8)}`;
let counter = 0;

describe.skipIf(skip)('BullmqQueue (real Redis)', () => {
	afterAll(async () => {
		await deleteKeys(REDIS_URL, `${runPrefix}*`);
	});

	// Short stall timings keep the suite's close() of a stuck job quick; each queue gets its own prefix.
	runQueueConformance('bullmq', async (tuning) => new BullmqQueue({ ...tuning, redisUrl: REDIS_URL, prefix: `${runPrefix}-${++counter}`, stalledIntervalMs: 1000, lockDurationMs: 2000 }));

	it('lists connected workers and dead-letters into a BullMQ queue named dead-letter', async () => {
		const prefix = `${runPrefix}-${++counter}`;
		const queue = new BullmqQueue({ redisUrl: REDIS_URL, prefix, concurrency: 3, workerName: 'test-worker' });
		queue.register({ name: 'doomed', queue: 'transcription', schema: z.object({}), attempts: 1, process: async () => Promise.reject(new Error('no')) });
		await queue.startWorkers();
		const admin = new QueueAdmin(queue);
		await waitFor('worker listed', async () => (await admin.listWorkers('transcription')).length === 1);
		expect((await admin.listWorkers('transcription'))[0]).toMatchObject({ queue: 'transcription', name: 'test-worker', concurrency: 3 });
		await queue.enqueue('doomed', {});
		const raw = new BullQueue('dead-letter', { connection: { host: '127.0.0.1', port: Number(new URL(REDIS_URL).port || 6379) }, prefix });
		try {
			await waitFor('dead-letter job', async () => (await raw.getJobCountByTypes('wait')) === 1);
			const [record] = await raw.getJobs(['wait']);
			expect(record?.name).toBe('doomed');
			expect(record?.data).toMatchObject({ queue: 'transcription', name: 'doomed', error: 'no', attemptsMade: 1 });
		} finally {
			await raw.close();
			await queue.close();
		}
	});

	it('reports healthy when Redis answers', async () => {
		const queue = new BullmqQueue({ redisUrl: REDIS_URL, prefix: `${runPrefix}-${++counter}` });
		try {
			expect(await queue.health()).toEqual({ ok: true });
		} finally {
			await queue.close();
		}
	});

	it('registers cron jobs as BullMQ job schedulers', async () => {
		const queue = new BullmqQueue({ redisUrl: REDIS_URL, prefix: `${runPrefix}-${++counter}` });
		queue.register({ name: 'sweep', queue: 'maintenance', schema: z.object({}), process: async () => null });
		const admin = new QueueAdmin(queue);
		try {
			await queue.enqueue('sweep', {}, { repeat: { pattern: '0 3 * * *', key: 'nightly' } });
			expect(await admin.listSchedulers('maintenance')).toMatchObject([{ key: 'nightly', name: 'sweep', pattern: '0 3 * * *' }]);
			await expect(queue.enqueue('sweep', {}, { repeat: { pattern: 'nope' } })).rejects.toMatchObject({ code: 'INVALID_PAYLOAD' });
			await admin.removeScheduler('maintenance', 'nightly');
			expect(await admin.listSchedulers('maintenance')).toEqual([]);
		} finally {
			await queue.close();
		}
	});
});

describe('BullmqQueue with Redis unreachable', () => {
	it('fails enqueue fast with QueueUnavailableError and reports unhealthy', async () => {
		// Port 1 on loopback: nothing listens, connections are refused at once.
		const queue = new BullmqQueue({ redisUrl: 'redis://127.0.0.1:1', prefix: `${runPrefix}-down`, enqueueTimeoutMs: 500 });
		queue.register({ name: 'x', queue: 'indexing', schema: z.object({ a: z.number() }), process: async () => null });
		try {
			const error = await queue.enqueue('x', { a: 1 }).catch((e: unknown) => e);
			expect(error).toBeInstanceOf(QueueUnavailableError);
			expect(error).toMatchObject({ code: 'QUEUE_UNAVAILABLE', status: 503, retryable: true });
			// Validation still comes first: a bad payload is the caller's fault, not Redis's.
			await expect(queue.enqueue('x', { a: 'no' })).rejects.toMatchObject({ code: 'INVALID_PAYLOAD' });
			expect((await queue.health()).ok).toBe(false);
		} finally {
			await queue.close({ timeoutMs: 500 });
		}
	});

	it('answers the Queue monitor with 503 QUEUE_UNAVAILABLE, not a connection error (500) or a hang', async () => {
		const queue = new BullmqQueue({ redisUrl: 'redis://127.0.0.1:1', prefix: `${runPrefix}-down-admin`, enqueueTimeoutMs: 500 });
		try {
			const admin = new QueueAdmin(queue);
			await expect(admin.listQueues()).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE', status: 503 });
			await expect(admin.listDeadLetters()).rejects.toMatchObject({ code: 'QUEUE_UNAVAILABLE', status: 503 });
			// Argument checks still come first.
			await expect(admin.getQueue('nope')).rejects.toMatchObject({ status: 404 });
		} finally {
			await queue.close({ timeoutMs: 500 });
		}
	});
});
