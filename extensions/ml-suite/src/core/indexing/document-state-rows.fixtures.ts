import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { expect } from 'vitest';
import { DocumentStateRepository, type ExpectedRevision } from './document-state.js';

/**
 * `markIndexed` over 700 items (several statements on either database): items with and without
 * a state row, old chunks to replace, an item without chunks, one saved again meanwhile
 * (superseded: untouched). Checks every stored row of `ml_documents` and `ml_chunks`.
 */
export async function expectMarkIndexedRows(db: Knex): Promise<void> {
	const indexId = randomUUID();
	await db('ml_indexes').insert({ id: indexId, name: `rows-${indexId}`, collection: 'notes' });
	const docs = new DocumentStateRepository(db);
	const items = Array.from({ length: 700 }, (_, i) => `item-${i}`);
	const existing = items.filter((_, i) => i % 3 === 0);
	await docs.markPending(indexId, 'notes', existing);
	// Old chunks of an existing item, to be replaced.
	await docs.markIndexed(indexId, 'notes', [{ item: 'item-3', contentHash: 'old', settingsHash: 'old', chunks: [0, 1, 2, 3].map((i) => ({ chunkIndex: i, content: `old ${i}`, tokenCount: 1 })) }]);
	const before = await docs.get(indexId, items);
	const idsBefore = new Map([...before].map(([item, state]) => [item, state.id]));
	const expected = new Map<string, ExpectedRevision>(items.map((item) => [item, before.get(item)?.revision ?? null]));
	// Saved again after the job read it: its newer job owns the result.
	await docs.markPending(indexId, 'notes', ['item-6']);

	const chunksOf = (i: number) =>
		Array.from({ length: i % 4 }, (_, c) => ({ chunkIndex: c, tokenCount: 10 * i + c, content: `Chunk ${c} of ${i}: "quoted", 'single', back\\slash, ? $1, naïve 🦊\nline two` }));
	const results = items.map((item, i) => ({ item, contentHash: `hash-${i}`, settingsHash: 'settings', chunks: chunksOf(i) }));
	const outcome = await docs.markIndexed(indexId, 'notes', results, expected);
	expect(outcome.superseded).toEqual(['item-6']);
	expect(outcome.written).toHaveLength(699);

	const states = await docs.get(indexId, items);
	for (const [i, item] of items.entries()) {
		const state = states.get(item)!;
		if (item === 'item-6') {
			expect(state).toMatchObject({ status: 'pending', contentHash: null, chunkCount: 0 });
			continue;
		}
		expect(state).toMatchObject({ status: 'indexed', contentHash: `hash-${i}`, settingsHash: 'settings', chunkCount: i % 4, attempts: 0, error: null, collection: 'notes' });
		if (idsBefore.has(item)) expect(state.id).toBe(idsBefore.get(item));
	}
	const rows: { document: number | string; collection: string; item: string; chunk_index: number | string; token_count: number | string; content: string }[] = await db('ml_chunks')
		.join('ml_documents as d', 'd.id', 'ml_chunks.document')
		.where('d.index', indexId)
		.select('ml_chunks.document', 'ml_chunks.collection', 'ml_chunks.item', 'ml_chunks.chunk_index', 'ml_chunks.token_count', 'ml_chunks.content')
		.orderBy([{ column: 'ml_chunks.document' }, { column: 'ml_chunks.chunk_index' }]);
	const want = items
		.map((item, i) => ({ item, i }))
		.filter(({ item }) => item !== 'item-6')
		.flatMap(({ item, i }) => chunksOf(i).map((c) => ({ document: states.get(item)!.id, collection: 'notes', item, chunk_index: c.chunkIndex, token_count: c.tokenCount, content: c.content })))
		.sort((a, b) => a.document - b.document || a.chunk_index - b.chunk_index);
	expect(rows.map((r) => ({ ...r, document: Number(r.document), chunk_index: Number(r.chunk_index), token_count: Number(r.token_count) }))).toEqual(want);
}
