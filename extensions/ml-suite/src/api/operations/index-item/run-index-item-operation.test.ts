import { afterAll, describe, expect, it } from 'vitest';
import { InvalidPayloadError, NotFoundError } from '../../../core/errors.js';
import { testIndex } from '../../../core/indexing/index-definition.fixtures.js';
import { indexItemsJob } from '../../../core/indexing/indexing-jobs.js';
import type { IndexItemsResult } from '../../../core/indexing/indexing-service.js';
import { InlineQueue } from '../../../core/jobs/inline-queue.js';
import { runIndexItemOperation, type IndexItemOperationDeps } from './run-index-item-operation.js';

const INDEXES = [testIndex('articles', 'articles'), testIndex('archive', 'archive', { status: 'paused' })];

/**
 * A real inline queue with the real `index-items` job registered (workers not started), so every
 * enqueued payload goes through the job's own schema; indexing is a stand-in that reports one
 * indexed item and two chunks per key.
 */
function setup(): { deps: IndexItemOperationDeps; queue: InlineQueue; enqueued: { name: string; data: unknown }[]; indexed: { keys: readonly string[]; force?: boolean }[] } {
	const queue = new InlineQueue();
	queue.register(indexItemsJob);
	const enqueued: { name: string; data: unknown }[] = [];
	const indexed: { keys: readonly string[]; force?: boolean }[] = [];
	return {
		queue,
		enqueued,
		indexed,
		deps: {
			indexes: {
				async byName(name) {
					const found = INDEXES.find((i) => i.name === name);
					if (!found) throw new NotFoundError(`Unknown index "${name}".`);
					return found;
				},
			},
			indexing: {
				async indexItems(_index, keys, options): Promise<IndexItemsResult> {
					indexed.push({ keys, force: options.force });
					return { indexed: keys.length, unchanged: 0, removed: 0, excluded: 0, chunks: keys.length * 2, embeddedChunks: keys.length * 2, superseded: 0 };
				},
			},
			queue: {
				async enqueue(name, data, options) {
					const job = await queue.enqueue(name, data, options);
					enqueued.push({ name, data });
					return job;
				},
			},
			origin: { user: null, sourceType: 'flow', source: 'flow:test' },
		},
	};
}

const queues: InlineQueue[] = [];
afterAll(async () => {
	for (const q of queues) await q.close();
});

describe('runIndexItemOperation', () => {
	it('queues an index-items job for a single trigger key (a number) by default', async () => {
		const { deps, queue, enqueued, indexed } = setup();
		queues.push(queue);
		const result = await runIndexItemOperation({ index: 'articles', keys: 42 }, deps);
		expect(result).toMatchObject({ index: 'articles', keys: ['42'], status: 'queued' });
		expect(result.status === 'queued' && result.jobs).toHaveLength(1);
		expect(enqueued).toEqual([{ name: 'index-items', data: { indexId: 'id-articles', keys: ['42'] } }]);
		expect(indexed).toEqual([]);
	});

	it('accepts $trigger.keys as an array, JSON text or a comma list, dropping duplicates', async () => {
		const { deps, queue } = setup();
		queues.push(queue);
		for (const keys of [[1, '2', 2], '["1","2"]', '1, 2, 1']) {
			const result = await runIndexItemOperation({ index: 'articles', keys }, deps);
			expect(result.keys).toEqual(['1', '2']);
		}
	});

	it('splits large key lists into jobs the job schema accepts, passing force on', async () => {
		const { deps, queue, enqueued } = setup();
		queues.push(queue);
		const keys = Array.from({ length: 450 }, (_, i) => i + 1);
		const result = await runIndexItemOperation({ index: 'articles', keys, force: 'true' }, deps);
		expect(result.status === 'queued' && result.jobs.length).toBe(3);
		expect(enqueued.map((e) => (e.data as { keys: string[] }).keys.length)).toEqual([200, 200, 50]);
		expect(enqueued.every((e) => (e.data as { force?: boolean }).force === true)).toBe(true);
	});

	it('indexes synchronously with wait and returns the summed result', async () => {
		const { deps, queue, enqueued, indexed } = setup();
		queues.push(queue);
		const keys = Array.from({ length: 250 }, (_, i) => String(i));
		const result = await runIndexItemOperation({ index: 'articles', keys, wait: true }, deps);
		expect(result).toMatchObject({ status: 'indexed', result: { indexed: 250, chunks: 500, embeddedChunks: 500, removed: 0 } });
		expect(indexed.map((call) => [call.keys.length, call.force])).toEqual([
			[200, false],
			[50, false],
		]);
		expect(enqueued).toEqual([]);
	});

	it('leaves a paused index alone', async () => {
		const { deps, queue, enqueued, indexed } = setup();
		queues.push(queue);
		const result = await runIndexItemOperation({ index: 'archive', keys: '1', wait: true }, deps);
		expect(result).toMatchObject({ status: 'skipped', reason: 'Index "archive" is paused.' });
		expect([...enqueued, ...indexed]).toEqual([]);
	});

	it('rejects a missing index or keys naming the option, and an unknown index with 404', async () => {
		const { deps, queue } = setup();
		queues.push(queue);
		await expect(runIndexItemOperation({ index: '', keys: '1' }, deps)).rejects.toThrow(/"index": is required/);
		await expect(runIndexItemOperation({ index: 'articles', keys: '' }, deps)).rejects.toThrow(/"keys": is required/);
		await expect(runIndexItemOperation({ index: 'articles', keys: [{ id: 1 }] }, deps)).rejects.toBeInstanceOf(InvalidPayloadError);
		await expect(runIndexItemOperation({ index: 'nope', keys: '1' }, deps)).rejects.toMatchObject({ status: 404 });
	});
});
