import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { beforeEach, expect, it } from 'vitest';
import { LocalEmbeddingModel } from '../providers/local-embedding-model.js';
import type { FullTextIndex } from '../search/full-text-index.js';
import { EmbeddedVectorStore } from '../vector-stores/embedded-vector-store.js';
import { DocumentStateRepository } from './document-state.js';
import { parseIndexRow, type IndexDefinition } from './index-definition.js';
import { IndexingService } from './indexing-service.js';
import { MemoryItemSource } from './memory-item-source.fixtures.js';

const origin = { user: null, sourceType: 'cli' as const, source: 'cli:test' };

/** A promise with its resolve function. */
function gate(): { opened: Promise<void>; open: () => void } {
	let open = (): void => undefined;
	const opened = new Promise<void>((resolve) => (open = resolve));
	return { opened, open };
}

/**
 * Writes that overlap (a reindex writing one page while it embeds the next; vectors and keyword
 * rows written side by side; two jobs of the same item), against a real database and keyword
 * engine (SQLite + FTS5 in the unit project, PostgreSQL + its engine in the integration one):
 * the keyword index ends up holding each item's newest text, and a failed write leaves its items
 * unindexed (retried), never indexed with a part missing. `getDb` returns a database with the
 * indexing tables created; `makeFullText` the engine over it.
 */
export function indexingOverlapSuite(getDb: () => Knex, makeFullText: (db: Knex) => FullTextIndex): void {
	let db: Knex;
	let items: MemoryItemSource;
	let index: IndexDefinition;
	let fullText: FullTextIndex;
	/** Runs before each keyword write is handed to the engine, with the items written. */
	let beforeKeywordWrite: (items: readonly string[]) => Promise<void>;
	/** Runs before each embedding call, with the texts. */
	let beforeEmbed: (texts: readonly string[]) => void;
	const model = new LocalEmbeddingModel({ dimensions: 32, maxBatchSize: 16 });

	const service = (pagesInFlight: number): IndexingService => {
		const store = new EmbeddedVectorStore({ knex: db, tablePrefix: `ml_ov_${index.id.slice(0, 8)}_` });
		const engine = fullText;
		const wrapped: FullTextIndex = Object.assign(Object.create(engine) as FullTextIndex, {
			async replaceItems(...args: Parameters<FullTextIndex['replaceItems']>) {
				await beforeKeywordWrite(args[1]);
				return engine.replaceItems(...args);
			},
		});
		return new IndexingService({
			db,
			items,
			storeFor: () => store,
			fullText: wrapped,
			reindexPagesInFlight: pagesInFlight,
			resolveModel: async () => ({ key: 'local/overlap', dimensions: model.dimensions }),
			embed: async (_index, texts) => {
				beforeEmbed(texts);
				return (await model.embed(texts)).embeddings;
			},
		});
	};

	const found = async (query: string): Promise<string[]> => (await fullText.search(index.id, query, { limit: 50 })).map((m) => m.item).sort();
	const statuses = async (keys: string[]): Promise<(string | undefined)[]> => {
		const states = await new DocumentStateRepository(db).get(index.id, keys);
		return keys.map((key) => states.get(key)?.status);
	};

	beforeEach(async () => {
		db = getDb();
		items = new MemoryItemSource();
		index = parseIndexRow(
			{ id: randomUUID(), name: `overlap-${randomUUID().slice(0, 8)}`, collection: 'notes', title_field: 'title', content_fields: 'body', chunk_size: 400, chunk_overlap: 0 },
			{ chunkSize: 400, chunkOverlap: 0 },
		);
		await db('ml_indexes').insert({ id: index.id, name: index.name, collection: index.collection });
		fullText = makeFullText(db);
		beforeKeywordWrite = async () => undefined;
		beforeEmbed = () => undefined;
		for (let i = 1; i <= 6; i++) items.set('notes', String(i), { title: `Note ${i}`, body: `Note ${i} is about topic${i} and shared words.` });
	});

	it('a reindex embeds the next page while the previous page is written, and indexes every item', async () => {
		// The first page's keyword write waits until the second page is being embedded.
		const secondPageEmbedding = gate();
		let overlapped = false;
		beforeEmbed = (texts) => {
			if (texts.some((text) => text.includes('topic3'))) {
				overlapped = true;
				secondPageEmbedding.open();
			}
		};
		beforeKeywordWrite = async (written) => {
			// The safety valve only keeps a sequential reindex from hanging: `overlapped` tells.
			if (written.includes('1')) await Promise.race([secondPageEmbedding.opened, new Promise((resolve) => setTimeout(resolve, 3000))]);
		};
		const progress = await service(2).reindex(index, { origin, pageSize: 2 });
		expect(overlapped).toBe(true);
		expect(progress.result.indexed).toBe(6);
		expect(progress.processed).toBe(6);
		expect(await found('shared')).toEqual(['1', '2', '3', '4', '5', '6']);
		for (let i = 1; i <= 6; i++) expect(await found(`topic${i}`)).toEqual([String(i)]);
		expect(await statuses(['1', '2', '3', '4', '5', '6'])).toEqual(Array(6).fill('indexed'));
	});

	it('an update of an item while an older write of it is in flight: the newest text is searchable and the old terms are gone', async () => {
		await service(2).indexItems(index, ['1'], { origin });
		expect(await found('topic1')).toEqual(['1']);
		// A job for the text "alpha" is held just before its keyword write…
		items.set('notes', '1', { title: 'Note 1', body: 'Note 1 now says alphaword only.' });
		await service(2).documents.markPending(index.id, 'notes', ['1']);
		const held = gate();
		const reached = gate();
		beforeKeywordWrite = async () => {
			reached.open();
			await held.opened;
		};
		const older = service(2).indexItems(index, ['1'], { origin });
		await reached.opened;
		// …while the item is saved again ("omega") and that job runs to the end.
		beforeKeywordWrite = async () => undefined;
		items.set('notes', '1', { title: 'Note 1', body: 'Note 1 finally says omegaword.' });
		await service(2).documents.markPending(index.id, 'notes', ['1']);
		await service(2).indexItems(index, ['1'], { origin });
		// The older write lands last: it must not win.
		held.open();
		const result = await older;
		expect(result.superseded).toBeGreaterThan(0);
		expect(await found('omegaword')).toEqual(['1']);
		expect(await found('alphaword')).toEqual([]);
		expect(await found('topic1')).toEqual([]);
		expect(await statuses(['1'])).toEqual(['indexed']);
	});

	it('a failing keyword write leaves its items unindexed (failed, retryable), and the next run indexes them', async () => {
		beforeKeywordWrite = async () => {
			throw new Error('keyword engine down');
		};
		await expect(service(2).indexItems(index, ['1', '2'], { origin })).rejects.toThrow('keyword engine down');
		expect(await statuses(['1', '2'])).toEqual(['failed', 'failed']);
		expect(await found('topic1')).toEqual([]);
		beforeKeywordWrite = async () => undefined;
		const result = await service(2).indexItems(index, ['1', '2'], { origin });
		expect(result.indexed).toBe(2);
		expect(await found('shared')).toEqual(['1', '2']);
		expect(await statuses(['1', '2'])).toEqual(['indexed', 'indexed']);
	});

	it('a reindex whose page fails lets the pages in flight finish, then fails; the failed page stays unindexed', async () => {
		beforeKeywordWrite = async (written) => {
			if (written.includes('3')) throw new Error('keyword engine down');
		};
		await expect(service(2).reindex(index, { origin, pageSize: 2 })).rejects.toThrow('keyword engine down');
		const [first, second] = [await statuses(['1', '2']), await statuses(['3', '4'])];
		expect(first).toEqual(['indexed', 'indexed']);
		expect(second).toEqual(['failed', 'failed']);
		expect(await found('topic3')).toEqual([]);
		expect(await found('topic1')).toEqual(['1']);
	});
}
