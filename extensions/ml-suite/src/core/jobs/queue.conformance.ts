import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidPayloadError, ProviderError } from '../errors.js';
import { QueueAdmin } from './queue-admin.js';
import type { AdministrableQueue } from './queue-admin-backend.js';
import type { QueueTuning } from './queue-options.js';
import type { JobDefinition } from './types.js';
import { UnrecoverableJobError } from './unrecoverable-job-error.js';

/** Builds a fresh, isolated queue (own key prefix for BullMQ) with the given tuning. */
export type QueueFactory = (tuning: QueueTuning) => Promise<AdministrableQueue>;

/** Polls until `check` returns a value other than undefined/false. Not a timing assertion: only a ceiling. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 15_000): Promise<Exclude<T, false | undefined | null>> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await check();
		if (value !== undefined && value !== false && value !== null) return value as Exclude<T, false | undefined | null>;
		if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 25));
	}
}

function gate(): { promise: Promise<void>; open: () => void } {
	let open!: () => void;
	const promise = new Promise<void>((resolve) => {
		open = resolve;
	});
	return { promise, open };
}

type Def = JobDefinition<z.ZodType, never, unknown>;

function job<S extends z.ZodType>(name: string, schema: S, process: (data: z.infer<S>, ctx: Parameters<Def['process']>[2]) => Promise<unknown>, extra: Partial<Def> = {}): Def {
	return { name, queue: 'indexing', schema, process: (data, _deps, ctx) => process(data as z.infer<S>, ctx), ...extra };
}

const item = z.object({ collection: z.string(), id: z.string() });

/** The behaviour every `Queue` backend must show. */
export function runQueueConformance(label: string, factory: QueueFactory): void {
	describe(`Queue conformance: ${label}`, () => {
		const open: AdministrableQueue[] = [];
		const gates: (() => void)[] = [];
		const make = async (definitions: Def[], tuning: QueueTuning = {}): Promise<{ queue: AdministrableQueue; admin: QueueAdmin }> => {
			const queue = await factory({ concurrency: 1, backoff: { delayMs: 50, jitter: 0.25 }, ...tuning });
			for (const definition of definitions) queue.register(definition);
			open.push(queue);
			return { queue, admin: new QueueAdmin(queue) };
		};
		const state = async (admin: QueueAdmin, id: string): Promise<string> => (await admin.getJob('indexing', id)).state;

		afterEach(async () => {
			for (const release of gates.splice(0)) release();
			await Promise.all(open.splice(0).map((queue) => queue.close({ timeoutMs: 2000 })));
		});

		it('processes a job and keeps its result', async () => {
			const { queue, admin } = await make([job('add', z.object({ a: z.number(), b: z.number() }), async ({ a, b }) => a + b)]);
			await queue.startWorkers();
			const enqueued = await queue.enqueue('add', { a: 2, b: 3 });
			expect(enqueued).toMatchObject({ name: 'add', queue: 'indexing' });
			await waitFor('completion', async () => (await state(admin, enqueued.id)) === 'completed');
			const detail = await admin.getJob('indexing', enqueued.id);
			expect(detail).toMatchObject({ returnValue: 5, attemptsMade: 1, data: { a: 2, b: 3 }, failedReason: null });
		});

		it('rejects bad payloads at enqueue, naming the field, and unknown job names', async () => {
			const { queue } = await make([job('add', z.object({ a: z.number() }), async () => null)]);
			const error = await queue.enqueue('add', { a: 'x' }).catch((e: unknown) => e);
			expect(error).toBeInstanceOf(InvalidPayloadError);
			expect((error as InvalidPayloadError).details).toMatchObject({ problems: [{ field: 'a' }] });
			await expect(queue.enqueue('nope', {})).rejects.toBeInstanceOf(InvalidPayloadError);
		});

		it('validates again at process time and does not retry a payload that no longer fits', async () => {
			const accept = { value: true };
			let runs = 0;
			const { queue, admin } = await make([job('strict', z.object({ n: z.number() }).refine(() => accept.value, { path: ['n'], message: 'rejected' }), async () => ++runs, { attempts: 3 })]);
			const { id } = await queue.enqueue('strict', { n: 1 });
			accept.value = false;
			await queue.startWorkers();
			await waitFor('failure', async () => (await state(admin, id)) === 'failed');
			const detail = await admin.getJob('indexing', id);
			expect(runs).toBe(0);
			expect(detail.attemptsMade).toBe(1);
			expect(detail.failedReason).toContain('"n": rejected');
		});

		it('runs higher priorities first', async () => {
			const order: string[] = [];
			const { queue, admin } = await make([job('p', z.object({ tag: z.string() }), async ({ tag }) => order.push(tag))]);
			await queue.startWorkers();
			await admin.pauseQueue('indexing');
			await queue.enqueue('p', { tag: 'low' }, { priority: 'low' });
			await queue.enqueue('p', { tag: 'normal' });
			await queue.enqueue('p', { tag: 'high-1' }, { priority: 'high' });
			await queue.enqueue('p', { tag: 'high-2' }, { priority: 'high' });
			await admin.resumeQueue('indexing');
			await waitFor('all four', () => order.length === 4);
			expect(order).toEqual(['high-1', 'high-2', 'normal', 'low']);
		});

		it('does not run a delayed job before its delay', async () => {
			let ranAt = 0;
			const { queue, admin } = await make([job('d', z.object({}), async () => (ranAt = Date.now()))]);
			await queue.startWorkers();
			const enqueuedAt = Date.now();
			const { id } = await queue.enqueue('d', {}, { delayMs: 700 });
			expect(await state(admin, id)).toBe('delayed');
			await waitFor('delayed run', () => ranAt > 0);
			expect(ranAt - enqueuedAt).toBeGreaterThanOrEqual(690);
		});

		it('retries with growing gaps and passes the attempt number', async () => {
			const attempts: { attempt: number; at: number }[] = [];
			const { queue, admin } = await make(
				[
					job('flaky', z.object({}), async (_data, ctx) => {
						attempts.push({ attempt: ctx.attempt, at: Date.now() });
						if (ctx.attempt < 4) throw new Error(`boom ${ctx.attempt}`);
						return 'ok';
					}, { attempts: 4 }),
				],
				{ backoff: { delayMs: 150, jitter: 0.25 } },
			);
			await queue.startWorkers();
			const { id } = await queue.enqueue('flaky', {});
			await waitFor('completion', async () => (await state(admin, id)) === 'completed');
			expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3, 4]);
			const gaps = attempts.slice(1).map((a, i) => a.at - attempts[i]!.at);
			expect(gaps[0]).toBeGreaterThanOrEqual(150 * 0.75 - 10);
			expect(gaps[1]).toBeGreaterThan(gaps[0]!);
			expect(gaps[2]).toBeGreaterThan(gaps[1]!);
			expect((await admin.getJob('indexing', id)).stacktrace.length).toBeGreaterThanOrEqual(3);
		});

		it('honours a Retry-After: the job waits in the delayed set as long as asked, instead of retrying at the backoff', async () => {
			let runs = 0;
			const { queue, admin } = await make([
				job('limited', z.object({}), async () => {
					runs++;
					if (runs === 1) throw new ProviderError('HTTP 429: slow down', { provider: 'openai', statusCode: 429, retryable: true, retryAfterMs: 3_600_000 });
					return 'ok';
				}, { attempts: 5 }),
			]);
			await queue.startWorkers();
			const { id } = await queue.enqueue('limited', {});
			await waitFor('delayed after the 429', async () => (await state(admin, id)) === 'delayed');
			// The backoff here is 50 ms; ten times that later the job still waits for its hour.
			await new Promise((resolve) => setTimeout(resolve, 500));
			expect({ runs, state: await state(admin, id) }).toEqual({ runs: 1, state: 'delayed' });
			await admin.promoteJob('indexing', id);
			await waitFor('completion after promotion', async () => (await state(admin, id)) === 'completed');
			expect(runs).toBe(2);
		});

		it('dead-letters permanent provider errors (400/401/404) at once', async () => {
			let runs = 0;
			const { queue, admin } = await make([
				job('denied', z.object({}), async () => {
					runs++;
					throw new ProviderError('HTTP 401: bad key', { provider: 'openai', statusCode: 401, retryable: false });
				}, { attempts: 5 }),
			]);
			await queue.startWorkers();
			const { id } = await queue.enqueue('denied', {});
			const dead = await waitFor('dead letter', async () => (await admin.listDeadLetters()).entries[0]);
			expect(dead).toMatchObject({ jobId: id, attemptsMade: 1 });
			expect(runs).toBe(1);
		});

		it('stops retrying on UnrecoverableJobError and dead-letters the job with its item', async () => {
			let runs = 0;
			const { queue, admin } = await make([
				job('fatal', item, async () => {
					runs++;
					throw new UnrecoverableJobError('item is gone');
				}, { attempts: 5, describeItem: (d: { collection: string; id: string }) => ({ collection: d.collection, item: d.id }) } as Partial<Def>),
			]);
			await queue.startWorkers();
			const { id } = await queue.enqueue('fatal', { collection: 'articles', id: '7' });
			await waitFor('failure', async () => (await state(admin, id)) === 'failed');
			expect(runs).toBe(1);
			const dead = await waitFor('dead letter', async () => (await admin.listDeadLetters()).entries[0]);
			expect(dead).toMatchObject({ queue: 'indexing', name: 'fatal', jobId: id, attemptsMade: 1, error: 'item is gone', item: { collection: 'articles', item: '7' } });
			expect(dead.data).toEqual({ collection: 'articles', id: '7' });
		});

		it('dead-letters a job that used up its attempts', async () => {
			const { queue, admin } = await make([
				job('always', item, async () => {
					throw new Error('still broken');
				}, { attempts: 2, describeItem: (d: { collection: string; id: string }) => ({ collection: d.collection, item: d.id }) } as Partial<Def>),
			]);
			await queue.startWorkers();
			const { id } = await queue.enqueue('always', { collection: 'tasks', id: '3' });
			const dead = await waitFor('dead letter', async () => (await admin.listDeadLetters()).entries[0]);
			expect(dead).toMatchObject({ name: 'always', jobId: id, attemptsMade: 2, error: 'still broken', item: { collection: 'tasks', item: '3' } });
			expect(dead.stacktrace.join('\n')).toContain('still broken');
			expect((await admin.listQueues()).deadLetters).toBe(1);
		});

		it('shows progress and logs of an active job', async () => {
			const hold = gate();
			gates.push(hold.open);
			const { queue, admin } = await make([
				job('slow', z.object({}), async (_d, ctx) => {
					await ctx.progress(40);
					await ctx.log('halfway there');
					await hold.promise;
					await ctx.progress({ done: 1 });
				}),
			]);
			await queue.startWorkers();
			const { id } = await queue.enqueue('slow', {});
			const active = await waitFor('logged progress', async () => {
				const detail = await admin.getJob('indexing', id);
				return detail.logs.length > 0 && detail;
			});
			expect(active).toMatchObject({ state: 'active', progress: 40, logs: ['halfway there'] });
			hold.open();
			await waitFor('completion', async () => (await state(admin, id)) === 'completed');
			expect((await admin.getJob('indexing', id)).progress).toEqual({ done: 1 });
		});

		it('holds jobs while paused and runs them after resume', async () => {
			let runs = 0;
			const { queue, admin } = await make([job('x', z.object({}), async () => ++runs)]);
			await queue.startWorkers();
			expect((await admin.pauseQueue('indexing')).paused).toBe(true);
			const { id } = await queue.enqueue('x', {});
			await new Promise((resolve) => setTimeout(resolve, 300));
			expect(runs).toBe(0);
			expect(['waiting', 'prioritized', 'paused']).toContain(await state(admin, id));
			expect((await admin.resumeQueue('indexing')).paused).toBe(false);
			await waitFor('run after resume', () => runs === 1);
		});

		it('deduplicates by jobId while a job is pending, not after it finished', async () => {
			let runs = 0;
			const { queue, admin } = await make([job('once', z.object({ v: z.number() }), async () => ++runs)]);
			await queue.startWorkers();
			await admin.pauseQueue('indexing');
			const first = await queue.enqueue('once', { v: 1 }, { jobId: 'doc-1' });
			const second = await queue.enqueue('once', { v: 2 }, { jobId: 'doc-1' });
			expect(second.id).toBe(first.id);
			await admin.resumeQueue('indexing');
			await waitFor('first run', async () => (await state(admin, first.id)) === 'completed');
			expect(runs).toBe(1);
			expect((await admin.getJob('indexing', first.id)).data).toEqual({ v: 1 });
			const third = await queue.enqueue('once', { v: 3 }, { jobId: 'doc-1' });
			expect(third.id).not.toBe(first.id);
			await waitFor('second run', () => runs === 2);
		});

		it('waits for the active job on close', async () => {
			let finished = false;
			let started = false;
			const { queue } = await make([
				job('busy', z.object({}), async () => {
					started = true;
					await new Promise((resolve) => setTimeout(resolve, 400));
					finished = true;
				}),
			]);
			await queue.startWorkers();
			await queue.enqueue('busy', {});
			await waitFor('start', () => started);
			await queue.close({ timeoutMs: 10_000 });
			expect(finished).toBe(true);
		});

		it('supports admin actions: retry, retry all, remove, promote, clean, search and requeue', async () => {
			const healthy = { value: false };
			let runs = 0;
			const { queue, admin } = await make([
				job('fragile', z.object({ k: z.string() }), async () => {
					runs++;
					if (!healthy.value) throw new Error('not yet');
					return 'fine';
				}, { attempts: 1 }),
			]);
			await queue.startWorkers();
			const a = await queue.enqueue('fragile', { k: 'alpha' });
			const b = await queue.enqueue('fragile', { k: 'beta' });
			const c = await queue.enqueue('fragile', { k: 'gamma' });
			await waitFor('three failures', async () => (await admin.getQueue('indexing')).counts.failed === 3);
			const found = await admin.listJobs({ queue: 'indexing', state: 'failed', search: 'BETA' });
			expect(found.jobs.map((j) => j.id)).toEqual([b.id]);
			expect((await admin.listDeadLetters()).total).toBe(3);

			healthy.value = true;
			await admin.retryJob('indexing', a.id);
			await waitFor('retried job', async () => (await state(admin, a.id)) === 'completed');
			await admin.removeJob('indexing', b.id);
			await expect(admin.getJob('indexing', b.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
			expect(await admin.retryAllFailed('indexing')).toEqual({ queue: 'indexing', retried: 1 });
			await waitFor('retry all', async () => (await state(admin, c.id)) === 'completed');

			const later = await queue.enqueue('fragile', { k: 'later' }, { delayMs: 60_000 });
			await expect(admin.retryJob('indexing', later.id)).rejects.toMatchObject({ status: 409 });
			await admin.promoteJob('indexing', later.id);
			await waitFor('promoted job', async () => (await state(admin, later.id)) === 'completed');

			const dead = (await admin.listDeadLetters()).entries.find((e) => (e.data as { k: string }).k === 'beta')!;
			const requeued = await admin.requeueDeadLetter(dead.id);
			await waitFor('requeued job', async () => (await state(admin, requeued.job.id)) === 'completed');
			expect((await admin.listDeadLetters()).entries.map((e) => e.id)).not.toContain(dead.id);

			const cleaned = await admin.cleanQueue({ queue: 'indexing', state: 'completed' });
			expect(cleaned.removed).toHaveLength(4);
			expect((await admin.getQueue('indexing')).counts.completed).toBe(0);
			const throughput = await admin.throughput({ queue: 'indexing', minutes: 5 });
			const totals = throughput[0]!.points.reduce((sum, p) => ({ completed: sum.completed + p.completed, failed: sum.failed + p.failed }), { completed: 0, failed: 0 });
			expect(totals).toEqual({ completed: 4, failed: 3 });
			expect(runs).toBe(7);
		});

		it('rejects admin calls for unknown queues and jobs', async () => {
			const { admin } = await make([]);
			await expect(admin.getQueue('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
			await expect(admin.getJob('indexing', '999999')).rejects.toMatchObject({ code: 'NOT_FOUND' });
			await expect(admin.listJobs({ queue: 'indexing', state: 'failed', start: 5, end: 1 })).rejects.toBeInstanceOf(InvalidPayloadError);
		});
	});
}
