import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { beforeEach, expect, it } from 'vitest';
import { LocalEmbeddingModel } from '../providers/local-embedding-model.js';
import { EmbeddedVectorStore } from '../vector-stores/embedded-vector-store.js';
import { namespaceOf, parseIndexRow, type IndexDefinition } from './index-definition.js';
import { IndexingService } from './indexing-service.js';
import { MemoryItemSource } from './memory-item-source.fixtures.js';
import { seededRandom } from '../seeded-random.js';

const origin = { user: null, sourceType: 'cli' as const, source: 'cli:test' };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Last-writer-wins indexing, against a real database (SQLite in the unit project, PostgreSQL in
 * the integration one): whatever order slow provider calls finish in, the index ends up holding
 * the item's final content. `getDb` returns a database with the indexing tables created.
 */
export function lastWriterWinsSuite(getDb: () => Knex): void {
	let db: Knex;
	let items: MemoryItemSource;
	let store: EmbeddedVectorStore;
	let index: IndexDefinition;
	let latency: () => number;
	/** Latency chosen at save time for the job of that version (the call happens later). */
	let latencyByText: Map<string, number>;
	let service: IndexingService;
	const model = new LocalEmbeddingModel({ dimensions: 32, maxBatchSize: 16 });

	beforeEach(async () => {
		db = getDb();
		items = new MemoryItemSource();
		store = new EmbeddedVectorStore({ knex: db, tablePrefix: `ml_lww_${randomUUID().slice(0, 8)}_` });
		index = parseIndexRow(
			{ id: randomUUID(), name: `lww-${randomUUID().slice(0, 8)}`, collection: 'tasks', title_field: 'title', content_fields: 'body', chunk_size: 400, chunk_overlap: 0 },
			{ chunkSize: 400, chunkOverlap: 0 },
		);
		await db('ml_indexes').insert({ id: index.id, name: index.name, collection: index.collection });
		latency = () => 0;
		latencyByText = new Map();
		service = new IndexingService({
			db,
			items,
			storeFor: () => store,
			resolveModel: async () => ({ key: 'local/lww', dimensions: model.dimensions }),
			// A provider with realistic, random latency: later calls may finish first.
			embed: async (_index, texts) => {
				const chosen = texts.map((text) => [...latencyByText].find(([body]) => text.includes(body.slice(0, 60)))?.[1] ?? 0);
				await sleep(Math.max(0, ...chosen));
				return (await model.embed(texts)).embeddings;
			},
		});
	});

	/** What a CMS save does: the item changes, the hook marks it pending and a job starts (not awaited). */
	async function save(key: string, body: string): Promise<{ job: Promise<unknown> }> {
		items.set('tasks', key, { title: `Task ${key}`, body });
		latencyByText.set(body, latency());
		await service.documents.markPending(index.id, 'tasks', [key]);
		return { job: service.indexItems(index, [key], { origin }).catch((error: unknown) => error) };
	}

	async function indexedText(key: string): Promise<{ chunks: string[]; vectors: string[]; status: string | undefined }> {
		const chunks = (await db('ml_chunks').where({ item: key }).orderBy('chunk_index')).map((row: { content: string }) => row.content);
		const vector = (await model.embed(['x'])).embeddings[0]!;
		const matches = await store.query(namespaceOf(index), { vector, limit: 50, itemKeys: [key] });
		const status = (await service.documents.get(index.id, [key])).get(key)?.status;
		return { chunks, vectors: matches.sort((a, b) => a.chunkIndex - b.chunkIndex).map((m) => m.content), status };
	}

	it('two saves of the same item with a slow first provider call: the final content is what is indexed', async () => {
		const random = seededRandom(14);
		// The first save's call is slow (up to 300 ms), the second's fast: out-of-order completion.
		const jobs: Promise<unknown>[] = [];
		for (let i = 0; i < 20; i++) {
			const key = String(i + 1);
			const slow = 100 + Math.floor(random() * 200);
			const fast = Math.floor(random() * 60);
			latency = () => slow;
			jobs.push((await save(key, `First version of task ${key}: the password is hunter${i}.`)).job);
			await sleep(5);
			latency = () => fast;
			jobs.push((await save(key, `Second version of task ${key}: the password was removed.`)).job);
		}
		await Promise.all(jobs);
		for (let i = 0; i < 20; i++) {
			const key = String(i + 1);
			const final = `Second version of task ${key}: the password was removed.`;
			expect(await indexedText(key), `item ${key}`).toEqual({ chunks: [final], vectors: [final], status: 'indexed' });
		}
	});

	it('random latencies and several saves per item converge on the last save', async () => {
		const random = seededRandom(1414);
		latency = () => Math.floor(random() * 120);
		const jobs: Promise<unknown>[] = [];
		const last = new Map<string, string>();
		for (let round = 0; round < 4; round++) {
			for (let i = 0; i < 8; i++) {
				const key = `r${i}`;
				// Some versions span two chunks, so a shrinking update must drop the extra chunk too.
				const body = `Round ${round} of ${key}. ${round % 2 === 0 ? 'Long text. '.repeat(60) : 'Short.'}`;
				last.set(key, body);
				jobs.push((await save(key, body)).job);
				await sleep(Math.floor(random() * 20));
			}
		}
		await Promise.all(jobs);
		for (const [key, body] of last) {
			const { chunks, vectors, status } = await indexedText(key);
			expect(status, key).toBe('indexed');
			expect(chunks.join(' '), key).toContain(`Round 3 of ${key}.`);
			expect(vectors, key).toEqual(chunks);
			expect(chunks.every((chunk) => body.includes(chunk.slice(0, 40))), key).toBe(true);
		}
	});

	it('a stale job that finishes after the item was deleted writes nothing back', async () => {
		latency = () => 150;
		const { job } = await save('gone', 'Soon deleted.');
		await sleep(10);
		items.delete('tasks', 'gone');
		await service.documents.markPending(index.id, 'tasks', ['gone']);
		latency = () => 0;
		await service.indexItems(index, ['gone'], { origin });
		await job;
		expect(await indexedText('gone')).toEqual({ chunks: [], vectors: [], status: undefined });
	});

	it('reconcile finds an item whose indexed text diverged from the live item', async () => {
		await (await save('d1', 'Original text.')).job;
		await (await save('d2', 'Unchanged text.')).job;
		// The item changed without a hook (e.g. a raw SQL update or a lost job).
		items.set('tasks', 'd1', { title: 'Task d1', body: 'Edited behind our back.' });
		const diverged = await service.findDiverged(index, { limit: 100 });
		expect(diverged.keys).toEqual(['d1']);
	});
}
