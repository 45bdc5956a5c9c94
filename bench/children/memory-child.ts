// Child process for the memory benchmark: loads a namespace of N vectors into an
// EmbeddedVectorStore (via a query, as the first search after start does) and reports RSS and
// heap before and after, so the figures are not polluted by the parent's own allocations.
import knexFactory from 'knex';
import { EmbeddedVectorStore } from '../../extensions/ml-suite/src/core/vector-stores/embedded-vector-store.js';

const [file, namespace, dims] = process.argv.slice(2);
const gc = (globalThis as { gc?: () => void }).gc;
const snapshot = (): { rss: number; heapUsed: number; heapTotal: number; external: number; arrayBuffers: number } => {
	gc?.();
	const m = process.memoryUsage();
	return { rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external, arrayBuffers: m.arrayBuffers };
};

const knex = knexFactory({ client: 'sqlite3', connection: { filename: file! }, useNullAsDefault: true });
const store = new EmbeddedVectorStore({ knex });
await store.health();
const before = snapshot();
const vector = Array.from({ length: Number(dims) }, (_, i) => Math.sin(i + 1));
const started = performance.now();
const hits = await store.query(namespace!, { vector, limit: 10 });
const loadMs = performance.now() - started;
const after = snapshot();
const warm: number[] = [];
for (let i = 0; i < 15; i++) {
	const t1 = performance.now();
	await store.query(namespace!, { vector, limit: 10 });
	warm.push(performance.now() - t1);
}
const warmQueryMs = warm.sort((a, b) => a - b)[7]!;
process.send?.({ before, after, loadMs, warmQueryMs, hits: hits.length });
await knex.destroy();
