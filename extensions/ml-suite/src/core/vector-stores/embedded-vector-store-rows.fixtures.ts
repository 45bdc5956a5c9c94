import type { Knex } from 'knex';
import { expect } from 'vitest';
import { EmbeddedVectorStore } from './embedded-vector-store.js';
import type { VectorRecord } from './types.js';

/** Upserts 250 records (several statements), one id twice, then changes some: the table holds exactly what was given. */
export async function expectStoredRows(knex: Knex): Promise<void> {
	const store = new EmbeddedVectorStore({ knex });
	await store.ensureNamespace('rows', 3);
	const record = (i: number, version: string): VectorRecord => ({
		id: `item-${i % 90}:${i}`,
		itemKey: `item-${i % 90}`,
		chunkIndex: i,
		vector: [i + 1, -0.1 * i, 1 / 3],
		content: `${version} chunk ${i}: "quoted", 'single', back\\slash, ? and $1, naïve 🦊\nline two`,
		metadata: { _title: `Title ${i} "q"`, _position: i, category: i % 2 === 0 ? null : 'odd', flag: i % 5 === 0 },
	});
	const first = Array.from({ length: 250 }, (_, i) => record(i, 'v1'));
	await store.upsert('rows', [...first, { ...record(7, 'v1'), content: 'the later duplicate wins' }]);
	const second = [3, 7, 120, 249].map((i) => ({ ...record(i, 'v2'), metadata: { changed: true } }));
	await store.upsert('rows', second);

	const expected = new Map(first.map((r) => [r.id, r]));
	expected.set(record(7, 'v1').id, { ...record(7, 'v1'), content: 'the later duplicate wins' });
	for (const r of second) expected.set(r.id, r);
	const rows: { namespace: string; id: string; item_key: string; chunk_index: number | string; content: string; metadata: string; vector: Buffer }[] = await knex('ml_vectors').where({ namespace: 'rows' }).orderBy('id').select('namespace', 'id', 'item_key', 'chunk_index', 'content', 'metadata', 'vector');
	expect(rows).toHaveLength(250);
	for (const row of rows) {
		const want = expected.get(row.id)!;
		expect({ ...row, chunk_index: Number(row.chunk_index), vector: Buffer.from(row.vector) }).toEqual({
			namespace: 'rows',
			id: want.id,
			item_key: want.itemKey,
			chunk_index: want.chunkIndex,
			content: want.content,
			metadata: JSON.stringify(want.metadata),
			vector: Buffer.from(new Float32Array(want.vector).buffer),
		});
	}
	// The in-process copy holds the same (it is loaded from these rows).
	const hits = await store.query('rows', { vector: [1, 0, 0], limit: 10, itemKeys: ['item-69'] });
	expect(hits.map((hit) => [hit.id, hit.content, hit.metadata])).toEqual(
		expect.arrayContaining([['item-69:249', record(249, 'v2').content, { changed: true }], ['item-69:69', record(69, 'v1').content, record(69, 'v1').metadata]]),
	);
}
