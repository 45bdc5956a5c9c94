import { randomUUID } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EmbeddingService } from '../embeddings/embedding-service.js';
import { ProviderError } from '../errors.js';
import { reconcile } from './indexing-jobs.js';
import type { IndexRepository } from './index-repository.js';
import type { Queue } from '../jobs/types.js';
import { LocalEmbeddingModel } from '../providers/local-embedding-model.js';
import type { EmbeddingResult } from '../providers/types.js';
import { EmbeddedVectorStore } from '../vector-stores/embedded-vector-store.js';
import { namespaceOf, parseIndexRow, type IndexDefinition } from './index-definition.js';
import { createIndexingTables } from './indexing-tables.fixtures.js';
import { IndexingService } from './indexing-service.js';
import { MemoryItemSource } from './memory-item-source.fixtures.js';
import { SaveActivity } from './save-activity.js';

const origin = { user: null, sourceType: 'cli' as const, source: 'cli:test' };

/** The local model, counting what reaches it. */
class CountingModel extends LocalEmbeddingModel {
	calls = 0;
	texts = 0;
	override async embed(texts: readonly string[]): Promise<EmbeddingResult> {
		this.calls++;
		this.texts += texts.length;
		return super.embed(texts);
	}
}

describe('IndexingService', () => {
	let db: Knex;
	let items: MemoryItemSource;
	let store: EmbeddedVectorStore;
	let model: CountingModel;
	let service: IndexingService;
	let index: IndexDefinition;

	const makeIndex = (overrides: Record<string, unknown> = {}): IndexDefinition =>
		parseIndexRow(
			{ id: index?.id ?? randomUUID(), name: 'notes', collection: 'notes', title_field: 'title', content_fields: 'body', context_fields: 'title', metadata_fields: 'kind', chunk_size: 200, chunk_overlap: 20, ...overrides },
			{ chunkSize: 1000, chunkOverlap: 100 },
		);

	beforeEach(async () => {
		db = knexFactory({ client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
		await createIndexingTables(db);
		items = new MemoryItemSource();
		store = new EmbeddedVectorStore({ knex: db });
		model = new CountingModel({ dimensions: 64, maxBatchSize: 8 });
		const embeddings = new EmbeddingService({});
		service = new IndexingService({
			db,
			items,
			storeFor: () => store,
			resolveModel: async () => ({ key: EmbeddingService.cacheModelKey(model), dimensions: model.dimensions }),
			embed: async (_index, texts) => (await embeddings.embed(texts, { model: { model, definition: { inputPricePerMillion: 0, outputPricePerMillion: 0 } }, origin })).embeddings,
		});
		index = makeIndex();
		await db('ml_indexes').insert({ id: index.id, name: index.name, collection: index.collection });
		for (let i = 1; i <= 5; i++) {
			items.set('notes', String(i), { title: `Note ${i}`, kind: i % 2 ? 'odd' : 'even', body: `<p>Body of note ${i}. ${'Sentence about topic ' + i + '. '.repeat(1)}${'More words here. '.repeat(i * 4)}</p>` });
		}
	});
	afterEach(async () => {
		await db.destroy();
	});

	it('chunks, embeds in batches and records every item and chunk', async () => {
		const result = await service.indexItems(index, ['1', '2', '3', '4', '5'], { origin });
		expect(result.indexed).toBe(5);
		const chunks = await db('ml_chunks').count({ n: '*' }).first();
		expect(result.chunks).toBe(Number(chunks?.n));
		expect(await store.count(namespaceOf(index))).toBe(result.chunks);
		expect(model.texts).toBe(result.chunks);
		expect(model.calls).toBe(Math.ceil(result.chunks / 8));
		const states = await service.documents.get(index.id, ['1', '5']);
		expect(states.get('5')).toMatchObject({ status: 'indexed', chunkCount: expect.any(Number) });
		expect(states.get('5')!.chunkCount).toBeGreaterThan(states.get('1')!.chunkCount);
		// Stored passages are plain text, without markup.
		const row = await db('ml_chunks').where('item', '1').first();
		expect(row.content).not.toContain('<p>');
	});

	it('a background job meeting saves that continue (its wait for a pause ran out) indexes a small slice of items per wait; once they pause, the rest at once', async () => {
		/** Items read per call: a slice reads, embeds and writes only its own items. */
		const reads: number[] = [];
		class CountingItems extends MemoryItemSource {
			override async read(collection: string, keys: readonly string[], fields: readonly string[]) {
				reads.push(keys.length);
				return super.read(collection, keys, fields);
			}
		}
		const counted = new CountingItems();
		for (const [key, row] of items.collections.get('notes')!) counted.set('notes', key, row);
		for (let i = 6; i <= 60; i++) counted.set('notes', String(i), { title: `Note ${i}`, kind: 'odd', body: `<p>Words of note ${i}.</p>` });
		const keys = Array.from({ length: 60 }, (_, i) => String(i + 1));
		const embeddings = new EmbeddingService({});
		const serviceWith = (saves: SaveActivity): IndexingService =>
			new IndexingService({
				db,
				items: counted,
				storeFor: () => store,
				saves,
				resolveModel: async () => ({ key: EmbeddingService.cacheModelKey(model), dimensions: model.dimensions }),
				embed: async (_index, texts) => (await embeddings.embed(texts, { model: { model, definition: { inputPricePerMillion: 0, outputPricePerMillion: 0 } }, origin })).embeddings,
			});
		// Saves never pause (quietMs is never reached) and a wait is bounded at 0 ms, so every wait runs out at once.
		const busy = new SaveActivity({ quietMs: 3_600_000, maxDeferMs: 0 });
		busy.touch();
		const during = await serviceWith(busy).indexItems(index, keys, { origin, background: true });
		expect(during.indexed).toBe(60);
		expect(reads.length).toBeGreaterThan(1);
		expect(Math.max(...reads)).toBeLessThanOrEqual(IndexingService.BUSY_ITEM_SLICE);
		expect(reads.reduce((a, b) => a + b, 0)).toBe(60);
		// A job started by hand (not background) does not slice, busy or not.
		reads.length = 0;
		await serviceWith(busy).indexItems(index, keys, { origin, force: true });
		expect(reads).toEqual([60]);
		// Saves have paused: one batch.
		reads.length = 0;
		const after = await serviceWith(new SaveActivity({ quietMs: 500, maxDeferMs: 0 })).indexItems(index, keys, { origin, background: true, force: true });
		expect(after.indexed).toBe(60);
		expect(reads).toEqual([60]);
	});

	it('runs background work of one index one batch at a time in this process (jobs of the same index take turns; other indexes do not wait)', async () => {
		let active = 0;
		let most = 0;
		const embeddings = new EmbeddingService({});
		const turns = new IndexingService({
			db,
			items,
			storeFor: () => store,
			resolveModel: async () => ({ key: EmbeddingService.cacheModelKey(model), dimensions: model.dimensions }),
			embed: async (_index, texts) => {
				active++;
				most = Math.max(most, active);
				await new Promise((resolve) => setTimeout(resolve, 30));
				active--;
				return (await embeddings.embed(texts, { model: { model, definition: { inputPricePerMillion: 0, outputPricePerMillion: 0 } }, origin })).embeddings;
			},
		});
		const results = await Promise.all([
			turns.indexItems(index, ['1', '2'], { origin, background: true }),
			turns.indexItems(index, ['3', '4'], { origin, background: true }),
			turns.indexItems(index, ['5'], { origin, background: true }),
		]);
		expect(results.map((r) => r.indexed)).toEqual([2, 2, 1]);
		expect(most).toBe(1);
		// Another index's background work runs beside it.
		const other = makeIndex({ id: randomUUID(), name: 'other' });
		await db('ml_indexes').insert({ id: other.id, name: other.name, collection: other.collection });
		most = 0;
		await Promise.all([turns.indexItems(index, ['1'], { origin, background: true, force: true }), turns.indexItems(other, ['2'], { origin, background: true, force: true })]);
		expect(most).toBe(2);
	});

	it('costs no provider call for unchanged content, and re-embeds only what changed', async () => {
		await service.indexItems(index, ['1', '2', '3'], { origin });
		const calls = model.texts;
		const again = await service.indexItems(index, ['1', '2', '3'], { origin });
		expect(again).toMatchObject({ indexed: 0, unchanged: 3 });
		expect(model.texts).toBe(calls);
		items.set('notes', '2', { title: 'Note 2', kind: 'even', body: 'Completely new text.' });
		const changed = await service.indexItems(index, ['1', '2', '3'], { origin });
		expect(changed).toMatchObject({ indexed: 1, unchanged: 2 });
		expect(model.texts).toBe(calls + 1);
		// The shrunk item has exactly one vector left: no stale chunks.
		const matches = await store.query(namespaceOf(index), { vector: (await model.embed(['x'])).embeddings[0]!, limit: 100, itemKeys: ['2'] });
		expect(matches).toHaveLength(1);
		expect(matches[0]!.content).toBe('Completely new text.');
	});

	it('is idempotent: indexing the same items twice with force leaves the same vectors and rows', async () => {
		await service.indexItems(index, ['1', '2'], { origin });
		const count = await store.count(namespaceOf(index));
		const chunkRows = Number((await db('ml_chunks').count({ n: '*' }).first())?.n);
		await service.indexItems(index, ['1', '2'], { origin, force: true });
		expect(await store.count(namespaceOf(index))).toBe(count);
		expect(Number((await db('ml_chunks').count({ n: '*' }).first())?.n)).toBe(chunkRows);
	});

	it('removes deleted items and excludes items outside the filter', async () => {
		await service.indexItems(index, ['1', '2', '3'], { origin });
		items.delete('notes', '1');
		const filtered = makeIndex({ filter: JSON.stringify({ kind: { _eq: 'odd' } }) });
		const result = await service.indexItems(filtered, ['1', '2', '3'], { origin });
		expect(result).toMatchObject({ removed: 1, excluded: 1 });
		expect((await service.documents.get(index.id, ['1'])).size).toBe(0);
		expect((await service.documents.get(index.id, ['2'])).get('2')?.status).toBe('excluded');
		const left = await store.query(namespaceOf(index), { vector: (await model.embed(['note'])).embeddings[0]!, limit: 100 });
		expect(new Set(left.map((m) => m.itemKey))).toEqual(new Set(['3']));
	});

	it('records failures on the item instead of losing them, and retries them next time', async () => {
		const broken = new IndexingService({
			db,
			items,
			storeFor: () => store,
			resolveModel: async () => ({ key: 'k', dimensions: 64 }),
			embed: async () => {
				throw new Error('provider down');
			},
		});
		await expect(broken.indexItems(index, ['1'], { origin })).rejects.toThrow('provider down');
		const state = (await service.documents.get(index.id, ['1'])).get('1');
		expect(state).toMatchObject({ status: 'failed', error: 'provider down', attempts: 1 });
		const retried = await service.indexItems(index, ['1'], { origin });
		expect(retried.indexed).toBe(1);
	});

	it('reindexes a whole collection with progress, prunes vanished items and marks the settings current', async () => {
		await service.indexItems(index, ['1'], { origin });
		await db('ml_documents').insert({ index: index.id, collection: 'notes', item: 'ghost', status: 'indexed', chunk_count: 0 });
		const progress: number[] = [];
		const outcome = await service.reindex(index, { origin, pageSize: 2, onProgress: (p) => void progress.push(p.processed) });
		expect(progress).toEqual([2, 4, 5]);
		expect(outcome.result).toMatchObject({ indexed: 4, unchanged: 1, removed: 1 });
		expect((await service.documents.get(index.id, ['ghost'])).size).toBe(0);
		const row = await db('ml_indexes').where('id', index.id).first();
		expect(row.settings_hash).toMatch(/^[0-9a-f]{32}$/);
	});

	it('does not prune items created while a reindex was paging (a race with their own job)', async () => {
		const pages: string[][] = [];
		const listKeys = items.listKeys.bind(items);
		items.listKeys = async (collection, page) => {
			const keys = await listKeys(collection, page);
			pages.push(keys);
			// An item saved (and indexed by its own job) after the reindex listed the first page.
			if (pages.length === 1) {
				items.set('notes', '99', { title: 'Late', kind: 'odd', body: 'Created during the reindex.' });
				await service.indexItems(index, ['99'], { origin });
			}
			return keys.filter((key) => key !== '99');
		};
		await service.reindex(index, { origin, pageSize: 10 });
		expect((await service.documents.get(index.id, ['99'])).get('99')?.status).toBe('indexed');
		expect(await store.count(namespaceOf(index))).toBeGreaterThan(0);
		const late = await store.query(namespaceOf(index), { vector: (await model.embed(['late'])).embeddings[0]!, limit: 50, itemKeys: ['99'] });
		expect(late).toHaveLength(1);
	});

	it('marks everything stale and re-embeds when the chunking settings change', async () => {
		await service.reindex(index, { origin });
		const before = model.texts;
		const rechunked = makeIndex({ chunk_size: 120 });
		const outcome = await service.reindex(rechunked, { origin });
		expect(outcome.result.indexed).toBe(5);
		expect(model.texts).toBeGreaterThan(before);
	});

	it('indexItemNow reports the chunks of the content as saved, even when a newer save owns the write', async () => {
		await service.indexItems(index, ['5'], { origin });
		const stale = (await service.documents.get(index.id, ['5'])).get('5')!.chunkCount;
		expect(stale).toBeGreaterThan(1);
		items.set('notes', '5', { title: 'Note 5', kind: 'odd', body: 'Short replacement text.' });
		const embeddings = new EmbeddingService({});
		// A save hook marks the item pending while this call's provider request is in flight: the
		// hook's own job owns the write, so this call writes nothing and must not report the old count.
		const racing = new IndexingService({
			db,
			items,
			storeFor: () => store,
			resolveModel: async () => ({ key: EmbeddingService.cacheModelKey(model), dimensions: model.dimensions }),
			embed: async (_index, texts) => {
				await racing.documents.markPending(index.id, 'notes', ['5']);
				return (await embeddings.embed(texts, { model: { model, definition: { inputPricePerMillion: 0, outputPricePerMillion: 0 } }, origin })).embeddings;
			},
		});
		expect(await racing.indexItemNow(index, '5', { origin })).toBe(1);
		items.delete('notes', '5');
		expect(await service.indexItemNow(index, '5', { origin })).toBe(0);
	});

	it('the reconcile sweep gives way to saves in this process: it reads items to verify only once they pause', async () => {
		await service.indexItems(index, ['1', '2', '3', '4', '5'], { origin });
		const reads: number[] = [];
		class TimedItems extends MemoryItemSource {
			override async read(collection: string, keys: readonly string[], fields: readonly string[]) {
				reads.push(Date.now());
				return items.read(collection, keys, fields);
			}
		}
		const saves = new SaveActivity({ quietMs: 100, maxDeferMs: 10_000 });
		const sweeping = new IndexingService({ db, items: new TimedItems(), storeFor: () => store, saves, resolveModel: async () => ({ key: EmbeddingService.cacheModelKey(model), dimensions: model.dimensions }), embed: async () => [] });
		// A batch save under way for 300 ms (its hooks note it every few milliseconds).
		saves.touch();
		let lastTouch = Date.now();
		const saving = setInterval(() => {
			saves.touch();
			lastTouch = Date.now();
		}, 10);
		setTimeout(() => clearInterval(saving), 300);
		const queue = { enqueue: async () => ({ id: 'x', name: 'index-items', queue: 'indexing' }) } as unknown as Queue;
		const indexes = { active: async () => [index] } as unknown as IndexRepository;
		const outcome = await reconcile({ indexes, indexing: sweeping, queue }, { olderThanSeconds: 0, verifyPerIndex: 100 });
		clearInterval(saving);
		expect(outcome.diverged).toBe(0);
		expect(reads.length).toBeGreaterThan(0);
		expect(reads[0]!).toBeGreaterThanOrEqual(lastTouch + 90);
	});

	it('items that failed in a provider outage are requeued automatically (up to a cap); permanent failures are not', async () => {
		let fault: Error = new ProviderError('timed out', { provider: 'openai', retryable: true, code: 'PROVIDER_TIMEOUT' });
		const flaky = new IndexingService({
			db,
			items,
			storeFor: () => store,
			resolveModel: async () => ({ key: 'k', dimensions: 64 }),
			embed: async () => {
				throw fault;
			},
		});
		await flaky.indexItems(index, ['1'], { origin }).catch(() => undefined);
		fault = new ProviderError('HTTP 400: bad input', { provider: 'openai', statusCode: 400, retryable: false });
		await flaky.indexItems(index, ['2'], { origin }).catch(() => undefined);
		const states = await service.documents.get(index.id, ['1', '2']);
		expect([states.get('1')?.status, states.get('2')?.status]).toEqual(['failed', 'failed']);

		const enqueued: unknown[] = [];
		const queue = { enqueue: async (name: string, data: unknown) => (enqueued.push({ name, data }), { id: 'x', name, queue: 'indexing' }) } as unknown as Queue;
		const indexes = { active: async () => [index] } as unknown as IndexRepository;
		const outcome = await reconcile({ indexes, indexing: service, queue }, { olderThanSeconds: 0, verifyPerIndex: 0, retryFailed: { maxAttempts: 5, olderThanSeconds: 0 } });
		expect(outcome.retried).toBe(1);
		expect(enqueued).toEqual([{ name: 'index-items', data: { indexId: index.id, keys: ['1'] } }]);
		// The cap: an item that kept failing is left for an administrator.
		enqueued.length = 0;
		const capped = await reconcile({ indexes, indexing: service, queue }, { olderThanSeconds: 0, verifyPerIndex: 0, retryFailed: { maxAttempts: 1, olderThanSeconds: 0 } });
		expect(capped.retried).toBe(0);
	});
});
