import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedVectorStore } from './embedded-vector-store.js';
import { expectStoredRows } from './embedded-vector-store-rows.fixtures.js';
import { conformanceSubject, describeVectorStoreConformance } from './vector-store.conformance.js';

function sqlite(file: string): Knex {
	return knexFactory({ client: 'sqlite3', connection: { filename: file }, useNullAsDefault: true });
}

describeVectorStoreConformance('embedded on SQLite', async () => {
	const dir = mkdtempSync(join(tmpdir(), 'ml-embedded-'));
	const knex = sqlite(join(dir, 'db.sqlite'));
	return conformanceSubject(new EmbeddedVectorStore({ knex }), () => knex.destroy(), () => rmSync(dir, { recursive: true, force: true }));
});

describe('EmbeddedVectorStore on SQLite shared by two processes', () => {
	const dir = mkdtempSync(join(tmpdir(), 'ml-embedded-shared-'));
	const file = join(dir, 'db.sqlite');
	// Two connections to one file stand in for two Directus processes.
	const knexA = sqlite(file);
	const knexB = sqlite(file);
	const a = new EmbeddedVectorStore({ knex: knexA, tablePrefix: 'mlx_' });
	const b = new EmbeddedVectorStore({ knex: knexB, tablePrefix: 'mlx_' });

	afterAll(async () => {
		await knexA.destroy();
		await knexB.destroy();
		rmSync(dir, { recursive: true, force: true });
	});

	const rec = (id: string, vector: number[], content = id) => ({ id, itemKey: id, chunkIndex: 0, vector, content, metadata: {} });

	it("each sees the other's writes after caching its own copy", async () => {
		await a.ensureNamespace('docs', 3);
		await b.ensureNamespace('docs', 3);
		await a.upsert('docs', [rec('x', [1, 0, 0]), rec('y', [0, 1, 0])]);
		// b loads its copy now, so later writes by a must reach b through the version check.
		expect((await b.query('docs', { vector: [1, 0, 0], limit: 5 })).map((m) => m.id)).toEqual(['x', 'y']);
		expect((await a.query('docs', { vector: [1, 0, 0], limit: 5 })).map((m) => m.id)).toEqual(['x', 'y']);

		await a.upsert('docs', [rec('z', [0.9, 0.1, 0]), rec('y', [1, 0.01, 0], 'moved')]);
		const seenByB = await b.query('docs', { vector: [1, 0, 0], limit: 5 });
		expect(seenByB.map((m) => m.id)).toEqual(['x', 'y', 'z']);
		expect(seenByB[1]?.content).toBe('moved');

		await b.deleteByItem('docs', ['x']);
		expect((await a.query('docs', { vector: [1, 0, 0], limit: 5 })).map((m) => m.id)).toEqual(['y', 'z']);

		await a.dropNamespace('docs');
		await a.ensureNamespace('docs', 3);
		await a.upsert('docs', [rec('w', [0, 0, 1])]);
		// b's cached copy of the old namespace must not survive the drop and re-create.
		expect((await b.query('docs', { vector: [1, 0, 0], limit: 5 })).map((m) => m.id)).toEqual(['w']);
	});

	it('applies its own writes without a stale read', async () => {
		await a.ensureNamespace('own', 2);
		await a.upsert('own', [rec('p', [1, 0])]);
		expect(await a.query('own', { vector: [1, 0], limit: 3 })).toHaveLength(1);
		await a.upsert('own', [rec('q', [0, 1])]);
		await a.deleteChunksFrom('own', 'p', 0);
		expect((await a.query('own', { vector: [1, 0], limit: 3 })).map((m) => m.id)).toEqual(['q']);
		expect((await b.query('own', { vector: [1, 0], limit: 3 })).map((m) => m.id)).toEqual(['q']);
	});
});

describe('EmbeddedVectorStore perItem queries', () => {
	it('returns one match per item, its best chunk, with limit counting items', async () => {
		const knex = knexFactory({ client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
		const store = new EmbeddedVectorStore({ knex });
		try {
			await store.ensureNamespace('per_item', 2);
			// Item a's five chunks are all closer to the query than any chunk of b or c.
			const records = [
				...Array.from({ length: 5 }, (_, i) => ({ id: `a:${i}`, itemKey: 'a', chunkIndex: i, vector: [1, 0.01 * (i + 1)], content: `a${i}`, metadata: {} })),
				{ id: 'b:0', itemKey: 'b', chunkIndex: 0, vector: [1, 0.5], content: 'b0', metadata: {} },
				{ id: 'b:1', itemKey: 'b', chunkIndex: 1, vector: [1, 0.3], content: 'b1', metadata: {} },
				{ id: 'c:0', itemKey: 'c', chunkIndex: 0, vector: [1, 0.9], content: 'c0', metadata: {} },
			];
			await store.upsert('per_item', records);
			const chunks = await store.query('per_item', { vector: [1, 0], limit: 3 });
			expect(chunks.map((m) => m.id)).toEqual(['a:0', 'a:1', 'a:2']);
			const items = await store.query('per_item', { vector: [1, 0], limit: 3, perItem: true });
			expect(items.map((m) => `${m.id}=${m.content}`)).toEqual(['a:0=a0', 'b:1=b1', 'c:0=c0']);
			expect((await store.query('per_item', { vector: [1, 0], limit: 2, perItem: true })).map((m) => m.id)).toEqual(['a:0', 'b:1']);
			expect((await store.query('per_item', { vector: [1, 0], limit: 10, perItem: true })).map((m) => m.id)).toEqual(['a:0', 'b:1', 'c:0']);
		} finally {
			await store.close();
			await knex.destroy();
		}
	});
});

describe('EmbeddedVectorStore stored rows', () => {
	it('stores exactly the record values, across batches, and replaces them on conflict', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'ml-embedded-rows-'));
		const knex = sqlite(join(dir, 'db.sqlite'));
		try {
			await expectStoredRows(knex);
		} finally {
			await knex.destroy();
			rmSync(dir, { recursive: true, force: true });
		}
	});
});
