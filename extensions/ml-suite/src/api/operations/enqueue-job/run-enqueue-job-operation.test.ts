import { afterEach, describe, expect, it } from 'vitest';
import { INDEXING_JOBS } from '../../../core/indexing/indexing-jobs.js';
import { InlineQueue } from '../../../core/jobs/inline-queue.js';
import { QueueAdmin } from '../../../core/jobs/queue-admin.js';
import { runEnqueueJobOperation } from './run-enqueue-job-operation.js';

// A real inline queue with the real job definitions, workers not started: enqueued jobs stay
// where the operation put them, so their state, data and options can be read back.
let queue: InlineQueue;
function setup(): { queue: InlineQueue; admin: QueueAdmin } {
	queue = new InlineQueue();
	for (const job of INDEXING_JOBS) queue.register(job);
	return { queue, admin: new QueueAdmin(queue) };
}
afterEach(async () => {
	await queue?.close();
});

describe('runEnqueueJobOperation', () => {
	it('enqueues a job from the flow form (JSON text payload, numeric strings) and returns id, name and queue', async () => {
		const { admin } = setup();
		const result = await runEnqueueJobOperation({ job: 'reindex', payload: '{"indexId":"idx-1","force":true}', priority: 'high', delayMs: '' }, { queue });
		expect(result).toEqual({ id: expect.any(String), name: 'reindex', queue: 'indexing' });
		const job = await admin.getJob('indexing', result.id);
		expect(job).toMatchObject({ name: 'reindex', state: 'waiting', data: { indexId: 'idx-1', force: true }, priority: 1 });
	});

	it('accepts an object payload and delays the job', async () => {
		const { admin } = setup();
		const result = await runEnqueueJobOperation({ job: 'reconcile', payload: { olderThanSeconds: 0 }, delayMs: '60000' }, { queue });
		expect(result.queue).toBe('maintenance');
		const job = await admin.getJob('maintenance', result.id);
		expect(job.state).toBe('delayed');
		expect(job.options).toMatchObject({ delay: 60_000 });
	});

	it('fails naming the payload field the job schema rejects, and enqueues nothing', async () => {
		const { admin } = setup();
		await expect(runEnqueueJobOperation({ job: 'index-items', payload: { indexId: 'idx-1', keys: [] } }, { queue })).rejects.toMatchObject({
			code: 'INVALID_PAYLOAD',
			message: expect.stringContaining('"keys"'),
		});
		expect((await admin.getQueue('indexing')).counts.waiting).toBe(0);
	});

	it('rejects payload text that is not a JSON object, an unknown job and a bad delay', async () => {
		setup();
		await expect(runEnqueueJobOperation({ job: 'reindex', payload: '{not json' }, { queue })).rejects.toMatchObject({ message: expect.stringContaining('"payload"') });
		await expect(runEnqueueJobOperation({ job: 'reindex', payload: '[1,2]' }, { queue })).rejects.toMatchObject({ message: expect.stringContaining('"payload"') });
		await expect(runEnqueueJobOperation({ job: 'launch-rockets', payload: {} }, { queue })).rejects.toMatchObject({ code: 'INVALID_PAYLOAD', message: expect.stringContaining('index-items') });
		await expect(runEnqueueJobOperation({ job: 'reconcile', delayMs: '-5' }, { queue })).rejects.toMatchObject({ message: expect.stringContaining('"delayMs"') });
		await expect(runEnqueueJobOperation({}, { queue })).rejects.toMatchObject({ message: expect.stringContaining('"job"') });
	});
});
