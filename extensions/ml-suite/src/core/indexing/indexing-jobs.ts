import { z } from 'zod';
import type { JobContext, JobDefinition, Queue } from '../jobs/types.js';
import type { IndexingService } from './indexing-service.js';
import type { CallOrigin } from '../usage/types.js';
import { usageSource } from '../usage/usage-source.js';
import type { IndexRepository } from './index-repository.js';

/** What the indexing job processors need. */
export interface IndexingJobDeps {
	indexes: IndexRepository;
	indexing: IndexingService;
	queue: Queue;
}

export const IndexItemsPayload = z.object({
	indexId: z.string().min(1),
	keys: z.array(z.string().min(1)).min(1).max(2000),
	force: z.boolean().optional(),
});
export type IndexItemsPayload = z.infer<typeof IndexItemsPayload>;

export const RemoveItemsPayload = z.object({
	indexId: z.string().min(1),
	keys: z.array(z.string().min(1)).min(1).max(5000),
});
export type RemoveItemsPayload = z.infer<typeof RemoveItemsPayload>;

export const ReindexPayload = z.object({
	indexId: z.string().min(1),
	force: z.boolean().optional(),
});
export type ReindexPayload = z.infer<typeof ReindexPayload>;

export const ReconcilePayload = z.object({
	/** Only documents untouched for this long are requeued (fresh ones are still in flight). */
	olderThanSeconds: z.number().int().min(0).default(30),
});
export type ReconcilePayload = z.infer<typeof ReconcilePayload>;

const jobOrigin = (name: string, _ctx: JobContext): CallOrigin => ({ user: null, ...usageSource.job(name) });

export const indexItemsJob: JobDefinition<typeof IndexItemsPayload, IndexingJobDeps> = {
	name: 'index-items',
	queue: 'indexing',
	schema: IndexItemsPayload,
	attempts: 5,
	describeItem: (data) => (data.keys[0] ? { collection: `index:${data.indexId}`, item: data.keys[0] } : null),
	async process(data, deps, ctx) {
		const index = await deps.indexes.byId(data.indexId);
		// A deleted or paused index has nothing to do; the reconcile sweep picks paused ones up later.
		if (!index || index.status !== 'active') return { skipped: true };
		return deps.indexing.indexItems(index, data.keys, { origin: jobOrigin('index-items', ctx), signal: ctx.signal, force: data.force, background: true });
	},
};

export const removeItemsJob: JobDefinition<typeof RemoveItemsPayload, IndexingJobDeps> = {
	name: 'remove-items',
	queue: 'indexing',
	schema: RemoveItemsPayload,
	attempts: 5,
	priority: 'high',
	describeItem: (data) => (data.keys[0] ? { collection: `index:${data.indexId}`, item: data.keys[0] } : null),
	async process(data, deps) {
		const index = await deps.indexes.byId(data.indexId);
		if (!index) return { skipped: true };
		await deps.indexing.removeItems(index, data.keys);
		return { removed: data.keys.length };
	},
};

export const reindexJob: JobDefinition<typeof ReindexPayload, IndexingJobDeps> = {
	name: 'reindex',
	queue: 'indexing',
	schema: ReindexPayload,
	attempts: 3,
	priority: 'low',
	async process(data, deps, ctx) {
		deps.indexes.invalidate();
		const index = await deps.indexes.byId(data.indexId);
		if (!index) return { skipped: true };
		await ctx.log(`Reindexing "${index.name}" (${index.collection})${data.force ? ', forced' : ''}`);
		const outcome = await deps.indexing.reindex(index, {
			origin: jobOrigin('reindex', ctx),
			signal: ctx.signal,
			force: data.force,
			background: true,
			onProgress: async (p) => {
				await ctx.progress({ percent: p.total > 0 ? Math.round((p.processed / p.total) * 100) : 100, processed: p.processed, total: p.total, ...p.result });
			},
		});
		deps.indexes.invalidate();
		await ctx.log(`Done: ${outcome.result.indexed} indexed, ${outcome.result.unchanged} unchanged, ${outcome.result.removed} removed, ${outcome.result.chunks} chunks`);
		return outcome;
	},
};

/**
 * Finds documents left pending (a process died, Redis was down at save time) and enqueues them
 * again; and, a page per index per sweep, compares what is indexed with the live items, so an
 * item whose indexed text diverged from its content (a change made without hooks, any lost or
 * misordered write) is indexed again. Stale documents are the reindex job's: settings changes
 * schedule one, and start-up schedules it again if a previous one did not finish. Idempotent:
 * requeued work that is already done costs a hash comparison. Several processes coordinate with
 * a lease (see the container), so one sweeper runs at a time.
 */
export const reconcileJob: JobDefinition<typeof ReconcilePayload, IndexingJobDeps> = {
	name: 'reconcile',
	queue: 'maintenance',
	schema: ReconcilePayload,
	attempts: 1,
	async process(data, deps) {
		return reconcile(deps, { olderThanSeconds: data.olderThanSeconds });
	},
};

export interface ReconcileOptions {
	/** Only pending documents untouched for this long are requeued (fresh ones are still in flight). */
	olderThanSeconds: number;
	/** Indexed documents compared with their live item per index and sweep. Default: 500 (0 turns it off). */
	verifyPerIndex?: number;
	/** Where each index's comparison continues (index id → last item key); kept by the caller between sweeps. */
	cursors?: Map<string, string | null>;
	/**
	 * Also requeue items that failed temporarily (a provider outage), with fewer than
	 * `maxAttempts` tries, untouched for `olderThanSeconds`. Default: not requeued.
	 */
	retryFailed?: { maxAttempts: number; olderThanSeconds: number };
}

export async function reconcile(deps: IndexingJobDeps, options: ReconcileOptions): Promise<{ requeued: number; diverged: number; retried: number }> {
	let requeued = 0;
	let diverged = 0;
	let retried = 0;
	const olderThan = new Date(Date.now() - options.olderThanSeconds * 1000);
	const verify = options.verifyPerIndex ?? 500;
	for (const index of await deps.indexes.active()) {
		// Its reads (and the verify page's item reads and hashing) share the event loop and, on
		// SQLite, the one connection with item saves: like indexing jobs, it waits for them to pause.
		await deps.indexing.waitForSavesToPause();
		if (options.retryFailed) {
			const failed = await deps.indexing.documents.listRetryableFailures(index.id, {
				limit: 20_000,
				maxAttempts: options.retryFailed.maxAttempts,
				olderThan: new Date(Date.now() - options.retryFailed.olderThanSeconds * 1000),
			});
			for (let i = 0; i < failed.length; i += 200) {
				await deps.queue.enqueue('index-items', { indexId: index.id, keys: failed.slice(i, i + 200) }, { priority: 'low' });
			}
			retried += failed.length;
		}
		const keys = await deps.indexing.documents.listUnfinished(index.id, { limit: 20_000, olderThan });
		for (let i = 0; i < keys.length; i += 200) {
			await deps.queue.enqueue('index-items', { indexId: index.id, keys: keys.slice(i, i + 200) }, { priority: 'low' });
			requeued += Math.min(200, keys.length - i);
		}
		if (verify <= 0) continue;
		const after = options.cursors?.get(index.id) ?? null;
		const page = await deps.indexing.findDiverged(index, { after, limit: verify });
		options.cursors?.set(index.id, page.next);
		for (let i = 0; i < page.keys.length; i += 200) {
			await deps.queue.enqueue('index-items', { indexId: index.id, keys: page.keys.slice(i, i + 200) }, { priority: 'low' });
		}
		diverged += page.keys.length;
	}
	return { requeued, diverged, retried };
}

export const INDEXING_JOBS = [indexItemsJob, removeItemsJob, reindexJob, reconcileJob] as const;
