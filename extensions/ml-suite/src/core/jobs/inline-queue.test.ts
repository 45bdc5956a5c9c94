import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InlineQueue } from './inline-queue.js';
import { QueueAdmin } from './queue-admin.js';
import { runQueueConformance, waitFor } from './queue.conformance.js';
import { QueueUnavailableError } from './queue-unavailable-error.js';

runQueueConformance('inline', async (tuning) => new InlineQueue(tuning));

describe('InlineQueue specifics', () => {
	it('keeps at most the configured number of concurrent jobs per queue', async () => {
		let running = 0;
		let peak = 0;
		const queue = new InlineQueue({ concurrency: 2 });
		queue.register({
			name: 'work',
			queue: 'enrichment',
			schema: z.object({}),
			process: async () => {
				peak = Math.max(peak, ++running);
				await new Promise((resolve) => setTimeout(resolve, 20));
				running--;
			},
		});
		await queue.startWorkers();
		await Promise.all(Array.from({ length: 8 }, () => queue.enqueue('work', {})));
		const admin = new QueueAdmin(queue);
		await waitFor('all done', async () => (await admin.getQueue('enrichment')).counts.completed === 8);
		expect(peak).toBe(2);
		await queue.close();
	});

	it('evicts finished jobs beyond the retention count and trims logs', async () => {
		const queue = new InlineQueue({ keepCompleted: { count: 3, ageSeconds: 3600 }, keepLogs: 2 });
		queue.register({
			name: 'chatty',
			queue: 'maintenance',
			schema: z.object({}),
			process: async (_d, _deps, ctx) => {
				for (const line of ['a', 'b', 'c']) await ctx.log(line);
			},
		});
		await queue.startWorkers();
		for (let i = 0; i < 5; i++) await queue.enqueue('chatty', {});
		const admin = new QueueAdmin(queue);
		await waitFor('done', async () => (await admin.listJobs({ queue: 'maintenance', state: 'completed' })).total === 3 && (await admin.getQueue('maintenance')).counts.waiting === 0 && (await admin.getQueue('maintenance')).counts.active === 0);
		const page = await admin.listJobs({ queue: 'maintenance', state: 'completed' });
		expect(page.jobs.map((j) => j.id)).toEqual(['5', '4', '3']);
		expect((await admin.getJob('maintenance', '5')).logs).toEqual(['b', 'c']);
		await queue.close();
	});

	it('schedules cron jobs and refuses work once closed', async () => {
		const queue = new InlineQueue();
		queue.register({ name: 'sweep', queue: 'maintenance', schema: z.object({}), process: async () => null });
		const first = await queue.enqueue('sweep', {}, { repeat: { pattern: '*/5 * * * *', key: 'sweeper' } });
		const admin = new QueueAdmin(queue);
		expect((await admin.getJob('maintenance', first.id)).state).toBe('delayed');
		expect(await admin.listSchedulers('maintenance')).toMatchObject([{ key: 'sweeper', pattern: '*/5 * * * *', name: 'sweep' }]);
		await expect(queue.enqueue('sweep', {}, { repeat: { pattern: 'not a cron' } })).rejects.toMatchObject({ code: 'INVALID_PAYLOAD' });
		await admin.removeScheduler('maintenance', 'sweeper');
		expect(await admin.listSchedulers('maintenance')).toEqual([]);
		await expect(admin.getJob('maintenance', first.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
		await queue.close();
		await expect(queue.enqueue('sweep', {})).rejects.toBeInstanceOf(QueueUnavailableError);
	});

	it('aborts jobs still running when the close timeout passes', async () => {
		let aborted = false;
		const queue = new InlineQueue();
		queue.register({
			name: 'stuck',
			queue: 'training',
			schema: z.object({}),
			process: (_d, _deps, ctx) =>
				new Promise((_resolve, reject) => {
					ctx.signal.addEventListener('abort', () => {
						aborted = true;
						reject(ctx.signal.reason);
					});
				}),
		});
		await queue.startWorkers();
		await queue.enqueue('stuck', {});
		const admin = new QueueAdmin(queue);
		await waitFor('active', async () => (await admin.getQueue('training')).counts.active === 1);
		await queue.close({ timeoutMs: 50 });
		expect(aborted).toBe(true);
	});
});
