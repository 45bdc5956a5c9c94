import knexFactory from 'knex';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedVectorStore } from '../extensions/ml-suite/src/core/vector-stores/embedded-vector-store.js';
import { PgvectorVectorStore, pgvectorTableName } from '../extensions/ml-suite/src/core/vector-stores/pgvector-vector-store.js';
import type { VectorStore } from '../extensions/ml-suite/src/core/vector-stores/types.js';
import { startPgliteServer, type PgliteServer } from '../test/fakes/pglite-server.js';
import { intEnv } from './support/env.js';
import { Report } from './support/report.js';
import { buildSearchFixture, NAMESPACE, type SearchFixture } from './support/search-fixture.js';
import { median, percentile } from './support/stats.js';

/**
 * Issue "Embeddings and search": latency of SearchService.search (semantic, limit 10) at
 * 100,000 chunks on the embedded store (SQLite) and on pgvector (PGlite + HNSW over the wire),
 * against the bare store.query for the same query vectors, and HNSW recall@10 against the
 * exact embedded search.
 */
const CHUNKS = intEnv('BENCH_CHUNKS', 100_000);
const SEARCHES = intEnv('BENCH_SEARCHES', 200);
const RECALL_QUERIES = intEnv('BENCH_RECALL_QUERIES', 100);
const WARMUP = 10;
/** pgvector runs on PGlite (single-threaded WASM): 20k rows load and index in about 2 minutes here. */
const PG_CHUNKS = intEnv('BENCH_PG_CHUNKS', 20_000);

describe('search', () => {
	const report = new Report('search', { chunks: CHUNKS, searches: SEARCHES, recallQueries: RECALL_QUERIES });
	let fixture: SearchFixture | undefined;
	let pg: PgliteServer | undefined;
	let pgStore: PgvectorVectorStore | undefined;

	afterAll(async () => {
		report.save();
		await pgStore?.close();
		await pg?.close();
		await fixture?.close();
	});

	async function measure(label: string, store: VectorStore, f: SearchFixture): Promise<void> {
		const queries = f.queries(SEARCHES + WARMUP, 500);
		const service = f.searchService(store, new Map(queries.map((q) => [q.text, q.vector])));
		const serviceMs: number[] = [];
		const storeMs: number[] = [];
		let hits = 0;
		for (const [i, q] of queries.entries()) {
			// Interleaved, so drift in the machine's load hits both series alike.
			const t0 = performance.now();
			const matches = await store.query(NAMESPACE, { vector: q.vector, limit: 10 });
			const t1 = performance.now();
			const results = await service.search(f.request(q.text));
			const t2 = performance.now();
			expect(matches.length).toBe(10);
			expect(results.length).toBeGreaterThan(0);
			hits += results.length;
			if (i < WARMUP) continue;
			storeMs.push(t1 - t0);
			serviceMs.push(t2 - t1);
		}
		report.add(`${label}: SearchService.search p50`, median(serviceMs), 'ms');
		report.add(`${label}: SearchService.search p95`, percentile(serviceMs, 95), 'ms');
		report.add(`${label}: bare store.query p50 (limit 10)`, median(storeMs), 'ms');
		report.add(`${label}: bare store.query p95 (limit 10)`, percentile(storeMs, 95), 'ms');
		report.add(`${label}: search p50 / store.query p50`, median(serviceMs) / median(storeMs), 'x', { max: 2 });
		report.add(`${label}: mean hits per search`, hits / queries.length, 'hits');
	}

	it('embedded store (SQLite, exact)', async () => {
		fixture = await buildSearchFixture('search', CHUNKS);
		const store = new EmbeddedVectorStore({ knex: fixture.knex });
		const loadMs = await fixture.load(store);
		report.add('embedded: upsert of all chunks', loadMs / 1000, 's');
		report.add('embedded: upsert throughput', CHUNKS / (loadMs / 1000), 'chunks/s');
		// A fresh store instance, so the first query pays the load from SQLite as after a restart.
		const cold = new EmbeddedVectorStore({ knex: fixture.knex });
		const q = fixture.queries(1, 1)[0]!;
		const t0 = performance.now();
		await cold.query(NAMESPACE, { vector: q.vector, limit: 10 });
		report.add('embedded: first query after start (loads the namespace)', (performance.now() - t0) / 1000, 's');
		await cold.close();
		await measure('embedded', store, fixture);
	});

	it('pgvector (PGlite, HNSW) and recall@10 against exact search', async () => {
		expect(fixture, 'the embedded test builds the fixture').toBeDefined();
		const f = fixture!;
		pg = await startPgliteServer();
		pgStore = new PgvectorVectorStore({ connectionString: pg.url });
		const pgChunks = Math.min(CHUNKS, PG_CHUNKS);
		const maintained = Math.min(pgChunks, 2000);
		if (pgChunks < CHUNKS) {
			report.note(
				`pgvector runs at ${pgChunks} chunks, not ${CHUNKS}: PGlite is single-threaded WASM Postgres and takes ~2.5 ms per 384-d row to insert and ~3 ms per row to build HNSW, so 100k would take ~10 minutes. Set BENCH_PG_CHUNKS=${CHUNKS} to run it anyway.`,
			);
		}
		// The store's own path first: rows upserted into the namespace with its HNSW index in place.
		const maintainedMs = await f.load(pgStore, { to: maintained });
		report.add('pgvector: upsert throughput with the HNSW index in place', maintained / (maintainedMs / 1000), 'chunks/s');
		// Bulk load the rest without the index, then build the same index the store creates.
		const table = `public.${pgvectorTableName(NAMESPACE)}`;
		const admin = knexFactory({ client: 'pg', connection: pg.url, pool: { min: 0, max: 1 } });
		try {
			await admin.raw('drop index if exists ??', [`${pgvectorTableName(NAMESPACE)}_hnsw`]);
			const bulkMs = await f.load(pgStore, { from: maintained, to: pgChunks });
			report.add('pgvector: upsert throughput without the index (bulk load)', (pgChunks - maintained) / (bulkMs / 1000), 'chunks/s');
			const t0 = performance.now();
			await admin.raw("set maintenance_work_mem = '512MB'");
			await admin.raw('create index ?? on ?? using hnsw (embedding vector_cosine_ops) with (m = 16, ef_construction = 64)', [`${pgvectorTableName(NAMESPACE)}_hnsw`, table]);
			report.add(`pgvector: HNSW build over ${pgChunks} rows (m 16, ef_construction 64)`, (performance.now() - t0) / 1000, 's');
			// Fresh statistics, as autovacuum would gather after a bulk load; without them the planner may skip the index.
			await admin.raw('analyze ??', [table]);
		} finally {
			await admin.destroy();
		}
		expect(await pgStore.count(NAMESPACE)).toBe(pgChunks);

		await measure(`pgvector@${pgChunks}`, pgStore, f);

		// Exact answers over the very same rows: the embedded store (exact cosine) in its own namespace.
		const exactStore = new EmbeddedVectorStore({ knex: f.knex });
		if (pgChunks < CHUNKS) await f.load(exactStore, { namespace: 'recall_subset', to: pgChunks });
		const exactNamespace = pgChunks < CHUNKS ? 'recall_subset' : NAMESPACE;
		const queries = f.queries(RECALL_QUERIES, 900);
		let found = 0;
		for (const q of queries) {
			const exact = await exactStore.query(exactNamespace, { vector: q.vector, limit: 10 });
			const approx = await pgStore.query(NAMESPACE, { vector: q.vector, limit: 10 });
			expect(exact.length).toBe(10);
			const truth = new Set(exact.map((m) => m.id));
			found += approx.filter((m) => truth.has(m.id)).length;
		}
		const recall = found / (queries.length * 10);
		expect(recall).toBeGreaterThanOrEqual(0);
		expect(recall).toBeLessThanOrEqual(1);
		report.add(`pgvector HNSW recall@10 vs exact at ${pgChunks} chunks (ef_search 100)`, recall, 'ratio', { min: 0.95 });
	});
});
