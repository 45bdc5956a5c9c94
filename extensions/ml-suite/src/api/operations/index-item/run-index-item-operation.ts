import { z } from 'zod';
import type { IndexDefinition } from '../../../core/indexing/index-definition.js';
import type { IndexItemsResult } from '../../../core/indexing/indexing-service.js';
import type { EnqueuedJob, EnqueueOptions } from '../../../core/jobs/types.js';
import type { CallOrigin } from '../../../core/usage/types.js';
import { parseInput } from '../../http.js';
import { optionalBoolean, stringList } from '../flow-options.js';

/** Most keys one operation run accepts (a bulk import trigger stays well below this). */
export const MAX_KEYS = 10_000;
/** Keys per `index-items` job and per synchronous batch: small enough to retry cheaply. */
export const KEYS_PER_BATCH = 200;

export const IndexItemOperationOptions = z.object({
	index: z.preprocess((v) => (typeof v === 'string' ? v.trim() : v === null || v === undefined ? '' : v), z.string().min(1, 'is required')),
	/** Item keys: `{{$trigger.key}}`, `{{$trigger.keys}}`, a list, or a comma-separated string. */
	keys: stringList.transform((v) => v ?? []).pipe(z.array(z.string()).min(1, 'is required: name at least one item key').max(MAX_KEYS, `must name at most ${MAX_KEYS} items`)),
	/** Re-embed even when the item's content is unchanged. Default false. */
	force: optionalBoolean.transform((v) => v ?? false),
	/** Index now and return the result, instead of queueing a job. Default false. */
	wait: optionalBoolean.transform((v) => v ?? false),
});
export type IndexItemOperationOptions = z.infer<typeof IndexItemOperationOptions>;

export interface IndexItemOperationDeps {
	indexes: { byName(name: string): Promise<IndexDefinition> };
	indexing: { indexItems(index: IndexDefinition, keys: readonly string[], options: { origin: CallOrigin; force?: boolean }): Promise<IndexItemsResult> };
	queue: { enqueue(name: string, data: unknown, options?: EnqueueOptions): Promise<EnqueuedJob> };
	origin: CallOrigin;
}

interface ResultBase {
	index: string;
	keys: string[];
}

/** `indexed`: done in this run (`wait`); `queued`: jobs were enqueued; `skipped`: the index is not active. */
export type IndexItemOperationResult =
	| (ResultBase & { status: 'indexed'; result: IndexItemsResult })
	| (ResultBase & { status: 'queued'; jobs: { id: string; queue: string }[] })
	| (ResultBase & { status: 'skipped'; reason: string });

/** The "Index item" operation: bring items into (or out of, when deleted) an index. */
export async function runIndexItemOperation(rawOptions: unknown, deps: IndexItemOperationDeps): Promise<IndexItemOperationResult> {
	const options = parseInput(IndexItemOperationOptions, rawOptions ?? {}, 'options');
	const index = await deps.indexes.byName(options.index);
	const keys = [...new Set(options.keys)];
	const base = { index: index.name, keys };
	// Same rule as the index-items job: a paused or archived index is left alone, and the
	// reconcile sweep catches up once it is active again.
	if (index.status !== 'active') return { ...base, status: 'skipped', reason: `Index "${index.name}" is ${index.status}.` };

	const batches: string[][] = [];
	for (let i = 0; i < keys.length; i += KEYS_PER_BATCH) batches.push(keys.slice(i, i + KEYS_PER_BATCH));

	if (options.wait) {
		const result: IndexItemsResult = { indexed: 0, unchanged: 0, removed: 0, excluded: 0, chunks: 0, embeddedChunks: 0, superseded: 0 };
		for (const batch of batches) {
			const part = await deps.indexing.indexItems(index, batch, { origin: deps.origin, force: options.force });
			for (const field of Object.keys(result) as (keyof IndexItemsResult)[]) result[field] += part[field];
		}
		return { ...base, status: 'indexed', result };
	}

	const jobs: { id: string; queue: string }[] = [];
	for (const batch of batches) {
		const job = await deps.queue.enqueue('index-items', { indexId: index.id, keys: batch, ...(options.force ? { force: true } : {}) });
		jobs.push({ id: job.id, queue: job.queue });
	}
	return { ...base, status: 'queued', jobs };
}
