import { z } from 'zod';
import type { JobContext, JobDefinition, Queue } from '../jobs/types.js';
import type { ItemSource } from '../indexing/item-source.js';
import type { EnrichmentRepository } from './enrichment-repository.js';
import type { EnrichmentService, EnrichOutcome } from './enrichment-service.js';

export interface EnrichmentJobDeps {
	enrichments: EnrichmentRepository;
	enrichment: EnrichmentService;
	enrichmentItems: ItemSource;
	queue: Queue;
}

export const EnrichItemsPayload = z.object({
	enrichmentId: z.string().min(1),
	keys: z.array(z.string().min(1)).min(1).max(1000),
	force: z.boolean().optional(),
});
export type EnrichItemsPayload = z.infer<typeof EnrichItemsPayload>;

export const EnrichBackfillPayload = z.object({
	enrichmentId: z.string().min(1),
	/** Re-run items whose source is unchanged too (after changing analyses or the engine). */
	force: z.boolean().optional(),
	/** Items per page. Default 50. */
	pageSize: z.number().int().min(1).max(500).optional(),
});
export type EnrichBackfillPayload = z.infer<typeof EnrichBackfillPayload>;

const origin = (name: string, ctx: JobContext): { user: null; sourceType: 'job'; source: string } => ({ user: null, sourceType: 'job', source: `${name}#${ctx.jobId}` });

export const enrichItemsJob: JobDefinition<typeof EnrichItemsPayload, EnrichmentJobDeps> = {
	name: 'enrich-items',
	queue: 'enrichment',
	schema: EnrichItemsPayload,
	attempts: 4,
	describeItem: (data) => (data.keys[0] ? { collection: `enrichment:${data.enrichmentId}`, item: data.keys[0] } : null),
	async process(data, deps, ctx) {
		const def = await deps.enrichments.byId(data.enrichmentId);
		if (!def || def.status !== 'active') return { skipped: true };
		return deps.enrichment.enrichItems(def, data.keys, { origin: origin('enrich-items', ctx), signal: ctx.signal, force: data.force });
	},
};

/**
 * Enriches every existing item of a pipeline's collection, page by page, reporting progress
 * (`{processed, total, done, unchanged, skipped, failed}`). Items are marked pending before each
 * page, so a backfill cut short by a restart is finished by the start-up sweep.
 */
export const enrichBackfillJob: JobDefinition<typeof EnrichBackfillPayload, EnrichmentJobDeps> = {
	name: 'enrich-backfill',
	queue: 'enrichment',
	schema: EnrichBackfillPayload,
	attempts: 3,
	priority: 'low',
	describeItem: (data) => ({ collection: `enrichment:${data.enrichmentId}`, item: 'backfill' }),
	async process(data, deps, ctx) {
		const def = await deps.enrichments.byId(data.enrichmentId);
		if (!def || def.status !== 'active') return { skipped: true };
		const total = await deps.enrichmentItems.count(def.collection, def.filter);
		const pageSize = data.pageSize ?? 50;
		const totals: EnrichOutcome & { processed: number; total: number } = { processed: 0, total, done: 0, unchanged: 0, skipped: 0, failed: 0, superseded: 0, kept: 0 };
		for (let offset = 0; ; offset += pageSize) {
			ctx.signal.throwIfAborted();
			const keys = await deps.enrichmentItems.listKeys(def.collection, { offset, limit: pageSize });
			if (keys.length === 0) break;
			await deps.enrichment.state.markPending(def.id, def.collection, keys);
			const outcome = await deps.enrichment.enrichItems(def, keys, { origin: origin('enrich-backfill', ctx), signal: ctx.signal, force: data.force });
			for (const k of ['done', 'unchanged', 'skipped', 'failed', 'superseded', 'kept'] as const) totals[k] += outcome[k];
			totals.processed += keys.length;
			await ctx.progress({ ...totals, percent: total > 0 ? Math.min(100, Math.round((totals.processed / total) * 100)) : 100 });
			if (keys.length < pageSize) break;
		}
		await ctx.log(`backfill of ${def.name}: ${JSON.stringify(totals)}`);
		return totals;
	},
};

export const ENRICHMENT_JOBS = [enrichItemsJob, enrichBackfillJob] as const;

/** Enqueues pending items untouched for `olderThanSeconds`, grouped per pipeline. */
export async function requeuePendingEnrichments(deps: EnrichmentJobDeps, olderThanSeconds: number): Promise<number> {
	const pending = await deps.enrichment.state.pending(olderThanSeconds);
	const byPipeline = new Map<string, string[]>();
	for (const p of pending) byPipeline.set(p.enrichment, [...(byPipeline.get(p.enrichment) ?? []), p.item]);
	let n = 0;
	for (const [enrichmentId, keys] of byPipeline) {
		for (let i = 0; i < keys.length; i += 200) {
			await deps.queue.enqueue('enrich-items', { enrichmentId, keys: keys.slice(i, i + 200) });
			n += Math.min(200, keys.length - i);
		}
	}
	return n;
}
