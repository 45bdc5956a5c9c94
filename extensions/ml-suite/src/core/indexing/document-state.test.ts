import { randomUUID } from 'node:crypto';
import knexFactory, { type Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DocumentStateRepository } from './document-state.js';
import { expectMarkIndexedRows } from './document-state-rows.fixtures.js';
import { createIndexingTables } from './indexing-tables.fixtures.js';

describe('DocumentStateRepository status writes', () => {
	let db: Knex;
	let docs: DocumentStateRepository;
	const indexId = randomUUID();

	beforeEach(async () => {
		db = knexFactory({ client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
		await createIndexingTables(db);
		await db('ml_indexes').insert({ id: indexId, name: 'notes', collection: 'notes' });
		docs = new DocumentStateRepository(db);
	});
	afterEach(() => db.destroy());

	it('markPending creates missing rows at revision 1 and bumps existing ones, across several statements', async () => {
		const keys = Array.from({ length: 900 }, (_, i) => `k${i}`);
		await docs.markPending(indexId, 'notes', keys.slice(0, 450));
		await docs.markPending(indexId, 'notes', keys);
		const states = await docs.get(indexId, keys);
		expect(states.size).toBe(900);
		expect(states.get('k0')).toMatchObject({ status: 'pending', revision: 2, attempts: 0, chunkCount: 0, collection: 'notes' });
		expect(states.get('k449')?.revision).toBe(2);
		expect(states.get('k450')).toMatchObject({ status: 'pending', revision: 1 });
		expect(states.get('k899')?.revision).toBe(1);
	});

	it('markFailed counts attempts and keeps the revision and the stored hashes', async () => {
		await docs.markPending(indexId, 'notes', ['a']);
		await db('ml_documents').where({ index: indexId, item: 'a' }).update({ content_hash: 'h1' });
		await docs.markFailed(indexId, 'notes', ['a', 'b'], 'provider down', undefined, true);
		await docs.markFailed(indexId, 'notes', ['a'], 'still down', undefined, true);
		const states = await docs.get(indexId, ['a', 'b']);
		expect(states.get('a')).toMatchObject({ status: 'failed', revision: 1, attempts: 2, error: 'still down', contentHash: 'h1' });
		expect(states.get('b')).toMatchObject({ status: 'failed', revision: 0, attempts: 1, error: 'provider down' });
		expect(await docs.listRetryableFailures(indexId, { limit: 10, maxAttempts: 5 })).toEqual(['a', 'b']);
	});

	it('markIndexed stores exactly the state and chunk rows, across statements, skipping superseded items', async () => {
		await expectMarkIndexedRows(db);
	});
});
