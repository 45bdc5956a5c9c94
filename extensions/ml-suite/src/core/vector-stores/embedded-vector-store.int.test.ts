import { randomBytes } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { POSTGRES_URL, skipUnless } from '../../../../../test/support/services.js';
import { EmbeddedVectorStore } from './embedded-vector-store.js';
import { expectStoredRows } from './embedded-vector-store-rows.fixtures.js';
import { conformanceSubject, describeVectorStoreConformance } from './vector-store.conformance.js';

const skip = await skipUnless('postgres');

/** Creates a uniquely named database on the real server; returns its URL and a dropper. */
async function freshDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
	const name = `ml_vs_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
	const admin = knexFactory({ client: 'pg', connection: POSTGRES_URL, pool: { min: 0, max: 1 } });
	await admin.raw('CREATE DATABASE ??', [name]);
	const url = new URL(POSTGRES_URL);
	url.pathname = `/${name}`;
	return {
		url: url.toString(),
		drop: async () => {
			await admin.raw('DROP DATABASE IF EXISTS ?? WITH (FORCE)', [name]);
			await admin.destroy();
		},
	};
}

describe.skipIf(skip)('embedded vector store on PostgreSQL', () => {
	describeVectorStoreConformance('embedded on PostgreSQL', async () => {
		const db = await freshDatabase();
		const knex = knexFactory({ client: 'pg', connection: db.url, pool: { min: 0, max: 4 } });
		return conformanceSubject(new EmbeddedVectorStore({ knex }), () => knex.destroy(), () => db.drop());
	});

	it('stores exactly the record values, across batches, and replaces them on conflict', async () => {
		const db = await freshDatabase();
		const knex = knexFactory({ client: 'pg', connection: db.url, pool: { min: 0, max: 2 } });
		try {
			await expectStoredRows(knex);
		} finally {
			await knex.destroy();
			await db.drop();
		}
	});

	describe('two instances sharing the database', () => {
		let db: { url: string; drop(): Promise<void> };
		let knexA: Knex;
		let knexB: Knex;
		let a: EmbeddedVectorStore;
		let b: EmbeddedVectorStore;

		beforeAll(async () => {
			db = await freshDatabase();
			knexA = knexFactory({ client: 'pg', connection: db.url, pool: { min: 0, max: 2 } });
			knexB = knexFactory({ client: 'pg', connection: db.url, pool: { min: 0, max: 2 } });
			a = new EmbeddedVectorStore({ knex: knexA });
			b = new EmbeddedVectorStore({ knex: knexB });
		});

		afterAll(async () => {
			await knexA?.destroy();
			await knexB?.destroy();
			await db?.drop();
		});

		const rec = (id: string, vector: number[]) => ({ id, itemKey: id, chunkIndex: 0, vector, content: id, metadata: {} });

		it('create tables concurrently and see each other\'s writes', async () => {
			await Promise.all([a.ensureNamespace('docs', 2), b.ensureNamespace('docs', 2)]);
			await a.upsert('docs', [rec('x', [1, 0])]);
			expect((await b.query('docs', { vector: [1, 0], limit: 5 })).map((m) => m.id)).toEqual(['x']);
			// Concurrent writers are serialised on the namespace row; both readers end up current.
			await Promise.all([a.upsert('docs', [rec('y', [1, 0.2])]), b.upsert('docs', [rec('z', [1, 0.4])])]);
			for (const store of [a, b]) {
				expect((await store.query('docs', { vector: [1, 0], limit: 5 })).map((m) => m.id)).toEqual(['x', 'y', 'z']);
			}
			await b.deleteByItem('docs', ['y']);
			expect((await a.query('docs', { vector: [1, 0], limit: 5 })).map((m) => m.id)).toEqual(['x', 'z']);
		});
	});
});
