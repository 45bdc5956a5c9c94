import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { REDIS_URL, skipUnless } from '../../../../../test/support/services.js';
import { BullmqQueue } from './bullmq-queue.js';
import { deleteKeys } from './fixtures/redis-keys.js';
import { QueueAdmin } from './queue-admin.js';
import { waitFor } from './queue.conformance.js';

const skip = await skipUnless('redis');
const prefix = `ml-test-stall-${randomUUID().slice(0, 8)}`;
const fixture = (name: string): string => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

function waitForLine(child: ChildProcess, line: string): Promise<void> {
	return new Promise((resolve, reject) => {
		let output = '';
		child.stdout?.on('data', (chunk: Buffer) => {
			output += chunk.toString();
			if (output.includes(line)) resolve();
		});
		child.stderr?.on('data', (chunk: Buffer) => {
			output += chunk.toString();
		});
		child.once('exit', (code) => reject(new Error(`fixture exited (${code}) before "${line}":\n${output}`)));
	});
}

describe.skipIf(skip)('BullmqQueue stall recovery (real Redis, worker process killed)', () => {
	const redis = new Redis(REDIS_URL);

	afterAll(async () => {
		redis.disconnect();
		await deleteKeys(REDIS_URL, `${prefix}*`);
	});

	it('hands the job of a SIGKILLed worker to another worker, which completes it exactly once', async () => {
		const counterKey = `${prefix}:side-effects`;
		const definition = {
			name: 'count-once',
			queue: 'indexing' as const,
			schema: z.object({ n: z.number() }),
			process: async (): Promise<void> => {
				await redis.hincrby(counterKey, 'started', 1);
				await redis.hincrby(counterKey, 'done', 1);
			},
		};
		const producer = new BullmqQueue({ redisUrl: REDIS_URL, prefix });
		producer.register(definition);
		const { id } = await producer.enqueue('count-once', { n: 1 });

		// The child imports bullmq from the project; vitest runs under the same Node 22 binary.
		const child = spawn(process.execPath, ['--import', fixture('register-ts-hook.mjs'), fixture('slow-worker.ts')], {
			env: { ...process.env, FIXTURE_REDIS_URL: REDIS_URL, FIXTURE_PREFIX: prefix },
			stdio: ['ignore', 'pipe', 'pipe'],
		});
		try {
			await waitForLine(child, 'STARTED');
			const exited = new Promise((resolve) => child.once('exit', resolve));
			child.kill('SIGKILL');
			await exited;
		} finally {
			if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
		}
		expect(await redis.hgetall(counterKey)).toEqual({ started: '1' });

		const rescuer = new BullmqQueue({ redisUrl: REDIS_URL, prefix, lockDurationMs: 1500, stalledIntervalMs: 500 });
		rescuer.register(definition);
		await rescuer.startWorkers();
		const admin = new QueueAdmin(rescuer);
		try {
			await waitFor('recovered job', async () => (await admin.getJob('indexing', id)).state === 'completed', 30_000);
			// Let another stall check pass: a second run would show up as done=2.
			await new Promise((resolve) => setTimeout(resolve, 1200));
			expect(await redis.hgetall(counterKey)).toEqual({ started: '2', done: '1' });
			expect((await admin.listDeadLetters()).total).toBe(0);
		} finally {
			await rescuer.close({ timeoutMs: 2000 });
			await producer.close();
		}
	});
});
