import { afterAll, describe, expect, it } from 'vitest';
import { createCollection, eventually } from '../test/support/content.js';
import { startDirectus, type DirectusInstance } from '../test/support/directus.js';
import { generateItems } from './support/corpus.js';
import { intEnv } from './support/env.js';
import { Report } from './support/report.js';
import { median } from './support/stats.js';

/**
 * Issue 9, "hook-driven indexing coalesces": batch-saving ITEMS items (POST /items/<c> with
 * BATCH items per request, as an import does) into an indexed collection vs the same saves into
 * a collection without an index, on the same instance, timed no index / indexed / no index
 * (the second no-index series once the hooks' indexing is done; both count); then the indexing throughput those saves
 * caused vs the reindex job over as many other items of the same size (a third collection saved
 * before its index exists, so neither side finds its texts in the embedding cache). The hook
 * throughput that the target is taken on runs from the first indexed save to the last item
 * indexed, so it includes the saves' own time, during which background indexing mostly waits
 * (`ML_INDEXING_QUIET_MS`): it is the conservative figure; the throughput from the last save on
 * (the saves' time left out) is reported beside it. Both save series are warmed up first (one
 * batch each, the indexed one's indexing waited for). Modes (`BENCH_HOOK_MODES`, default both):
 * ML_INDEXING_BATCH_WINDOW_MS=0 (one state write and one job per save event) and the default
 * window. Embedded default: SQLite, inline queue, local embedder, embedded vectors.
 */
const ITEMS = intEnv('BENCH_HOOK_ITEMS', 5000);
const BATCH = intEnv('BENCH_HOOK_BATCH', 500);
const MODES = (process.env.BENCH_HOOK_MODES ?? 'per-event,coalesced').split(',');

interface Outcome {
	/** Both no-index series (before and after the indexed one), in order. */
	plainMs: number[];
	indexedMs: number[];
	hookItemsPerSecond: number;
	/** From the end of the last save to the last item indexed. */
	tailMs: number;
	/** Items indexed through the hooks per second of that tail alone (the saves' own time left out). */
	tailItemsPerSecond: number;
	reindexItemsPerSecond: number;
}

async function indexedCount(directus: DirectusInstance, name: string): Promise<number> {
	const res = await directus.request('GET', `/ml/indexes/${name}/coverage`);
	return Number(res.body.data?.documents?.indexed ?? 0);
}

async function createIndex(directus: DirectusInstance, name: string, collection: string): Promise<void> {
	const res = await directus.request('POST', '/items/ml_indexes', { body: { name, collection, title_field: 'title', content_fields: ['body'], context_fields: ['title'], status: 'active' } });
	expect(res.status, res.text).toBe(200);
}

async function saveBatches(directus: DirectusInstance, collection: string, items: { title: string; body: string }[]): Promise<number[]> {
	const latencies: number[] = [];
	for (let i = 0; i < items.length; i += BATCH) {
		const started = performance.now();
		const res = await directus.request('POST', `/items/${collection}`, { body: items.slice(i, i + BATCH) });
		latencies.push(performance.now() - started);
		expect(res.status, res.text).toBe(200);
	}
	return latencies;
}

async function run(windowMs: string): Promise<Outcome> {
	const directus = await startDirectus({ env: { ML_INDEXING_BATCH_WINDOW_MS: windowMs, LOG_LEVEL: 'error' } });
	try {
		await createCollection(directus, 'bench_plain', { title: 'string', body: 'text' });
		await createCollection(directus, 'bench_indexed', { title: 'string', body: 'text' });
		await createCollection(directus, 'bench_reindexed', { title: 'string', body: 'text' });
		await createIndex(directus, 'bench', 'bench_indexed');
		const items = generateItems(ITEMS, 11).map(({ title, body }) => ({ title, body }));
		const warmUp = generateItems(BATCH, 13).map(({ title, body }) => ({ title, body }));
		// Warm-up: the first request of each kind pays for schema loading and JIT; the indexed one's indexing is waited for.
		await saveBatches(directus, 'bench_plain', warmUp);
		await saveBatches(directus, 'bench_indexed', warmUp);
		await eventually(async () => (await indexedCount(directus, 'bench')) >= warmUp.length, 30 * 60_000, 'warm-up indexing');

		const plainMs = await saveBatches(directus, 'bench_plain', items);
		const started = performance.now();
		const indexedMs = await saveBatches(directus, 'bench_indexed', items);
		const saved = performance.now();
		await eventually(async () => (await indexedCount(directus, 'bench')) >= ITEMS + warmUp.length, 30 * 60_000, 'hook-driven indexing');
		const hookItemsPerSecond = ITEMS / ((performance.now() - started) / 1000);
		const tailMs = performance.now() - saved;
		const tailItemsPerSecond = ITEMS / (tailMs / 1000);
		// The no-index series again, now that the hooks' indexing is done: the indexed series sits
		// between two no-index ones, so a load that rises or falls during the run lands on both sides.
		plainMs.push(...(await saveBatches(directus, 'bench_plain', generateItems(ITEMS, 19).map(({ title, body }) => ({ title, body })))));

		// The reindex job over as many other items (texts not in the embedding cache), saved before their index exists.
		await saveBatches(directus, 'bench_reindexed', generateItems(ITEMS, 17).map(({ title, body }) => ({ title, body })));
		const reindexStarted = performance.now();
		await createIndex(directus, 'bench_reindex', 'bench_reindexed');
		await eventually(async () => (await indexedCount(directus, 'bench_reindex')) >= ITEMS, 30 * 60_000, 'reindex');
		const reindexItemsPerSecond = ITEMS / ((performance.now() - reindexStarted) / 1000);
		return { plainMs, indexedMs, hookItemsPerSecond, tailMs, tailItemsPerSecond, reindexItemsPerSecond };
	} finally {
		await directus.stop();
	}
}

describe('hook-indexing', () => {
	const report = new Report('hooks', { items: ITEMS, batch: BATCH });
	afterAll(() => report.save());

	it('batch saves into an indexed collection vs no index, and hook indexing vs the reindex job', async () => {
		for (const [label, windowMs] of [
			['per event (window 0)', '0'],
			['coalesced (default window)', '100'],
		] as const) {
			if (!MODES.includes(windowMs === '0' ? 'per-event' : 'coalesced')) continue;
			const o = await run(windowMs);
			const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
			const after = windowMs !== '0';
			report.add(`${label}: save ${BATCH} items, no index, p50`, median(o.plainMs), 'ms');
			report.add(`${label}: save ${BATCH} items, indexed, p50`, median(o.indexedMs), 'ms');
			report.add(`${label}: save ${BATCH} items, indexed, max`, Math.max(...o.indexedMs), 'ms');
			report.add(`${label}: indexed / no-index save time (mean)`, mean(o.indexedMs) / mean(o.plainMs), '×', after ? { max: 1.1 } : undefined);
			report.add(`${label}: all saves, indexed`, o.indexedMs.reduce((a, b) => a + b, 0), 'ms');
			report.add(`${label}: last item indexed after the last save`, o.tailMs, 'ms');
			report.note(`${label}: save latencies (ms, in order), no index ${o.plainMs.map(Math.round).join(' ')}; indexed ${o.indexedMs.map(Math.round).join(' ')}`);
			report.add(`${label}: hook indexing throughput (first save to last item indexed)`, o.hookItemsPerSecond, 'items/s');
			report.add(`${label}: hook indexing throughput (last save to last item indexed)`, o.tailItemsPerSecond, 'items/s');
			report.add(`${label}: reindex job throughput`, o.reindexItemsPerSecond, 'items/s');
			report.add(`${label}: hook (from the first save) / reindex throughput`, o.hookItemsPerSecond / o.reindexItemsPerSecond, '×', after ? { min: 0.5 } : undefined);
		}
	});
});
