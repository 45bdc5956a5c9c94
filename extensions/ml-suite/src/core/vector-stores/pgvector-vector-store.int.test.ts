import knexFactory from 'knex';
import { describe, expect, it } from 'vitest';
import { startPgliteServer } from '../../../../../test/fakes/pglite-server.js';
import { PgvectorVectorStore, pgvectorTableName } from './pgvector-vector-store.js';
import { conformanceSubject, describeVectorStoreConformance } from './vector-store.conformance.js';

describeVectorStoreConformance('pgvector via PGlite', async () => {
	const server = await startPgliteServer();
	return conformanceSubject(new PgvectorVectorStore({ connectionString: server.url, schema: 'ml_vectors_test' }), () => server.close());
});

describe('PgvectorVectorStore specifics', () => {
	it('keeps table names short, valid and distinct for names that sanitise alike', () => {
		const long = 'Articles.Body-'.repeat(20).slice(0, 200);
		expect(pgvectorTableName(long).length).toBeLessThanOrEqual(63);
		expect(pgvectorTableName('a.b')).toMatch(/^[a-z0-9_]+$/);
		expect(pgvectorTableName('a.b')).not.toBe(pgvectorTableName('a_b'));
	});

	it('builds an HNSW cosine index and works on a pool passed in', async () => {
		const server = await startPgliteServer();
		const knex = knexFactory({ client: 'pg', connection: server.url, pool: { min: 0, max: 2 } });
		try {
			const store = new PgvectorVectorStore({ knex, hnsw: { m: 8, efConstruction: 32, efSearch: 40 } });
			await store.ensureNamespace('docs', 3);
			const indexes = await knex.raw<{ rows: { indexdef: string }[] }>('select indexdef from pg_indexes where tablename = ?', [pgvectorTableName('docs')]);
			const hnsw = indexes.rows.map((r) => r.indexdef).filter((d) => d.includes('hnsw'));
			expect(hnsw).toHaveLength(1);
			expect(hnsw[0]).toContain('vector_cosine_ops');
			expect(hnsw[0]).toMatch(/m='?8'?/);
			await store.upsert('docs', [{ id: 'a', itemKey: 'a', chunkIndex: 0, vector: [1, 2, 3], content: 'a', metadata: {} }]);
			await store.close(); // not ours: the pool stays usable
			const rows = await knex.raw<{ rows: { n: number }[] }>('select count(*)::int as n from ??', [pgvectorTableName('docs')]);
			expect(rows.rows[0]?.n).toBe(1);
		} finally {
			await knex.destroy();
			await server.close();
		}
	});
});
