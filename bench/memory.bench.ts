import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { EmbeddedVectorStore } from '../extensions/ml-suite/src/core/vector-stores/embedded-vector-store.js';
import { openSqlite } from './support/database.js';
import { CHILD_EXEC_ARGV } from './support/children.js';
import { intEnv } from './support/env.js';
import { Report } from './support/report.js';
import { ClusteredVectors } from './support/vectors.js';
import type { VectorRecord } from '../extensions/ml-suite/src/core/vector-stores/types.js';

/**
 * Memory of the embedded store: a fresh child process loads 100,000 × 384-d vectors from SQLite
 * (through a query) and reports RSS and heap growth against the raw Float32 bytes.
 */
const VECTORS = intEnv('BENCH_MEMORY_VECTORS', 100_000);
const DIMS = 384;

describe('memory', () => {
	const report = new Report('memory', { vectors: VECTORS, dimensions: DIMS });
	const db = openSqlite('memory');
	afterAll(async () => {
		report.save();
		await db.remove();
	});

	it('RSS and heap of a process holding the vectors', async () => {
		const store = new EmbeddedVectorStore({ knex: db.knex });
		await store.ensureNamespace('mem', DIMS);
		const vectors = new ClusteredVectors(DIMS, 200);
		const normal = ClusteredVectors.source(5);
		for (let i = 0; i < VECTORS; i += 1000) {
			const batch: VectorRecord[] = [];
			for (let j = i; j < Math.min(VECTORS, i + 1000); j++) {
				// Realistic row shape: ids and item keys like the pipeline's, a small metadata object, short content.
				batch.push({ id: `${Math.floor(j / 5) + 1}:${j % 5}`, itemKey: String(Math.floor(j / 5) + 1), chunkIndex: j % 5, vector: vectors.near(j % 200, normal), content: `chunk ${j}`, metadata: { category: `topic-${j % 60}` } });
			}
			await store.upsert('mem', batch);
		}
		await store.close();

		const child = fork(fileURLToPath(new URL('./children/memory-child.ts', import.meta.url)), [db.file, 'mem', String(DIMS)], {
			execPath: process.execPath,
			execArgv: ['--expose-gc', ...CHILD_EXEC_ARGV],
			stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
		});
		type Snap = { rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number };
		const message = await new Promise<{ before: Snap; after: Snap; loadMs: number; warmQueryMs: number; hits: number }>((resolve, reject) => {
			child.once('message', (m) => resolve(m as never));
			child.once('exit', (code) => reject(new Error(`memory child exited with ${code} before reporting`)));
		});
		expect(message.hits).toBe(10);
		const raw = VECTORS * DIMS * 4;
		const mb = (bytes: number): number => bytes / 1024 / 1024;
		report.add('raw vector bytes (N × 384 × 4)', mb(raw), 'MB');
		report.add('child RSS before load', mb(message.before.rss), 'MB');
		report.add('child RSS after load + query', mb(message.after.rss), 'MB');
		report.add('RSS growth', mb(message.after.rss - message.before.rss), 'MB');
		report.add('RSS growth / raw bytes', (message.after.rss - message.before.rss) / raw, 'x');
		report.add('JS heap used growth (ids, keys, metadata, maps)', mb(message.after.heapUsed - message.before.heapUsed), 'MB');
		report.add('ArrayBuffer growth (JS buffers; the matrix itself is WebAssembly memory, in RSS)', mb(message.after.arrayBuffers - message.before.arrayBuffers), 'MB');
		report.add('ArrayBuffer growth / raw bytes', (message.after.arrayBuffers - message.before.arrayBuffers) / raw, 'x');
		report.add('namespace load time (first query)', message.loadMs / 1000, 's');
		report.add('warm exact query over all vectors (p50 of 15)', message.warmQueryMs, 'ms');
	});
});
