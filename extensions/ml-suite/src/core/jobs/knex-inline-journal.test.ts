import knexFactory, { type Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InlineQueue } from './inline-queue.js';
import { KnexInlineJournal } from './knex-inline-journal.js';
import { QueueAdmin } from './queue-admin.js';
import { waitFor } from './queue.conformance.js';
import type { QueueTuning } from './queue-options.js';
import { UnrecoverableJobError } from './unrecoverable-job-error.js';

let knex: Knex;

beforeEach(() => {
	knex = knexFactory({ client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
});
afterEach(async () => {
	await knex.destroy();
});

/** One "process": a queue with a journal on the shared database, its jobs registered. */
function boot(tuning: QueueTuning = {}): { queue: InlineQueue; admin: QueueAdmin; ran: string[] } {
	const ran: string[] = [];
	const queue = new InlineQueue(tuning, { journal: new KnexInlineJournal({ knex, flushDelayMs: 5 }) });
	queue.register({
		name: 'ok',
		queue: 'maintenance',
		schema: z.object({ n: z.number() }),
		process: async (data, _deps, ctx) => {
			const { n } = data as { n: number };
			ran.push(`ok:${n}`);
			await ctx.log(`ran ${n}`);
			return { n };
		},
	});
	queue.register({
		name: 'boom',
		queue: 'maintenance',
		schema: z.object({}),
		attempts: 1,
		process: async () => {
			throw new UnrecoverableJobError('provider said no');
		},
	});
	return { queue, admin: new QueueAdmin(queue), ran };
}

describe('KnexInlineJournal: the inline queue across restarts', () => {
	it('keeps finished jobs, failures, dead letters and throughput, and continues job ids', async () => {
		const first = boot();
		await first.queue.startWorkers();
		for (const n of [1, 2, 3]) await first.queue.enqueue('ok', { n });
		const failed = await first.queue.enqueue('boom', {});
		await waitFor('all finished', async () => {
			const { counts } = await first.admin.getQueue('maintenance');
			return counts.completed === 3 && counts.failed === 1;
		});
		const deadBefore = await first.admin.listDeadLetters();
		const throughputBefore = await first.admin.throughput({ queue: 'maintenance', minutes: 5 });
		await first.queue.close();

		const second = boot();
		await second.queue.startWorkers();
		expect((await second.admin.getQueue('maintenance')).counts).toMatchObject({ completed: 3, failed: 1, waiting: 0 });
		const job = await second.admin.getJob('maintenance', failed.id);
		expect(job).toMatchObject({ id: failed.id, name: 'boom', state: 'failed', failedReason: 'provider said no', attemptsMade: 1 });
		const done = (await second.admin.listJobs({ queue: 'maintenance', state: 'completed' })).jobs;
		expect(done.map((j) => j.data)).toEqual(expect.arrayContaining([{ n: 1 }, { n: 2 }, { n: 3 }]));
		expect((await second.admin.getJob('maintenance', done[0]!.id)).logs).toHaveLength(1);
		expect(await second.admin.listDeadLetters()).toEqual(deadBefore);
		expect(await second.admin.throughput({ queue: 'maintenance', minutes: 5 })).toEqual(throughputBefore);
		// Ids continue: "#5" never names a job of the previous run.
		const next = await second.queue.enqueue('ok', { n: 4 });
		expect(Number(next.id)).toBe(5);
		await waitFor('next done', async () => (await second.admin.getQueue('maintenance')).counts.completed === 4);
		await second.queue.close();
	});

	it('runs jobs the previous process left waiting', async () => {
		const first = boot();
		// Never started: the jobs stay waiting, as when a process dies with a backlog.
		await first.queue.enqueue('ok', { n: 7 });
		await first.queue.enqueue('ok', { n: 8 });
		await first.queue.close();
		const second = boot();
		await second.queue.startWorkers();
		await waitFor('backlog done', async () => (await second.admin.getQueue('maintenance')).counts.completed === 2);
		expect(second.ran.sort()).toEqual(['ok:7', 'ok:8']);
		await second.queue.close();
	});

	it('keeps the tables bounded by the queue’s retention, and forgets removed dead letters', async () => {
		const first = boot({ keepCompleted: { count: 2, ageSeconds: 3600 }, keepDeadLetters: 1 });
		await first.queue.startWorkers();
		for (const n of [1, 2, 3, 4, 5]) await first.queue.enqueue('ok', { n });
		await first.queue.enqueue('boom', {});
		await first.queue.enqueue('boom', {});
		await waitFor('all finished', async () => (await first.admin.getQueue('maintenance')).counts.failed === 2);
		await waitFor('completed', async () => (await first.admin.getQueue('maintenance')).counts.completed === 2);
		await first.queue.close();
		expect(await knex('ml_queue_jobs').where('state', 'completed').count({ n: '*' })).toEqual([{ n: 2 }]);
		expect(await knex('ml_queue_dead_letters').count({ n: '*' })).toEqual([{ n: 1 }]);

		const second = boot({ keepDeadLetters: 1 });
		await second.queue.startWorkers();
		const [entry] = (await second.admin.listDeadLetters()).entries;
		await second.admin.removeDeadLetter(entry!.id);
		await second.queue.close();
		const third = boot();
		await third.queue.startWorkers();
		expect((await third.admin.listDeadLetters()).total).toBe(0);
		await third.queue.close();
	});

	it('still runs jobs when the history cannot be read, and says so in health', async () => {
		await knex.destroy();
		knex = knexFactory({ client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true });
		const broken = knexFactory({ client: 'sqlite3', connection: { filename: '/nonexistent-dir/x.db' }, useNullAsDefault: true });
		const queue = new InlineQueue({}, { journal: new KnexInlineJournal({ knex: broken, flushDelayMs: 5 }) });
		let ran = false;
		queue.register({ name: 'ok', queue: 'maintenance', schema: z.object({}), process: async () => void (ran = true) });
		await queue.startWorkers();
		await queue.enqueue('ok', {});
		await waitFor('ran', () => ran);
		expect((await queue.health()).message).toMatch(/history could not be read/);
		await queue.close();
		await broken.destroy();
	});
});
