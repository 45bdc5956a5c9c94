import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { InvalidPayloadError, MlError, NotConfiguredError } from '../errors.js';
import { filterMatchesNothing, parseMetadataFilter } from './metadata-filter.js';
import { metadataFilterToSql } from './pgvector-filter-sql.js';
import type { MetadataValue, NamespaceInfo, VectorMatch, VectorQuery, VectorRecord, VectorStore } from './types.js';
import { silentLogger, type Logger } from '../logger.js';
import type { VectorStoreDeps } from './vector-store-deps.js';
import { assertDimensions, assertNamespaceName, assertQuery, assertRecords, assertSameDimensions, namespaceNotFound } from './vector-store-validation.js';

/** HNSW settings. */
export interface PgvectorHnswOptions {
	/** Links per node. Default: 16. */
	m: number;
	/** Candidate list size while building. Default: 64. */
	efConstruction: number;
	/** Candidate list size while searching (raised to the query limit when lower). Default: 100. */
	efSearch: number;
}

export interface PgvectorVectorStoreConfig {
	/** PostgreSQL URL; used when `knex` is not given. The store then owns (and closes) the pool. */
	connectionString?: string;
	/** An existing pool (e.g. the Directus database when it is PostgreSQL). Not closed by `close()`. */
	knex?: Knex;
	/** Schema holding the registry and the per-namespace tables. Default: `public`. */
	schema?: string;
	/** HNSW index and search settings. Defaults: see `PgvectorHnswOptions`. */
	hnsw?: Partial<PgvectorHnswOptions>;
}

const REGISTRY = 'ml_pgvector_namespaces';
const INSERT_BATCH = 200;

/**
 * Table name for a namespace: a readable, sanitised part plus a hash of the exact name, so two
 * names that sanitise alike never share a table and the result fits Postgres's 63-byte limit.
 */
export function pgvectorTableName(namespace: string): string {
	const readable = namespace.toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 40);
	const hash = createHash('sha256').update(namespace).digest('hex').slice(0, 12);
	return `mlv_${readable}_${hash}`;
}

interface Registered {
	table: string;
	dimensions: number;
}

/**
 * pgvector: one table per namespace with a `vector(dim)` column and an HNSW index using cosine
 * distance; metadata is jsonb and filters become SQL on it. `hnsw.ef_search` (and, on pgvector
 * 0.8+, iterative index scans) are set per query with SET LOCAL, so filtered queries still fill
 * their limit.
 */
export class PgvectorVectorStore implements VectorStore {
	readonly kind = 'pgvector';
	private knex: Knex | undefined;
	private readonly ownsKnex: boolean;
	private readonly schema: string;
	private readonly hnsw: PgvectorHnswOptions;
	private readonly logger: Logger;
	private ready: Promise<{ iterativeScan: boolean }> | undefined;

	constructor(
		private readonly config: PgvectorVectorStoreConfig,
		deps: VectorStoreDeps = {},
	) {
		this.knex = config.knex;
		this.ownsKnex = !config.knex;
		this.schema = config.schema ?? 'public';
		this.hnsw = { m: 16, efConstruction: 64, efSearch: 100, ...config.hnsw };
		this.logger = deps.logger ?? silentLogger;
		for (const [name, value] of Object.entries(this.hnsw)) {
			if (!Number.isInteger(value) || value < 1 || value > 1000) throw new InvalidPayloadError(`pgvector hnsw.${name} must be an integer from 1 to 1000.`);
		}
	}

	async ensureNamespace(namespace: string, dimensions: number): Promise<void> {
		assertNamespaceName(namespace);
		assertDimensions(dimensions);
		const db = await this.db();
		await this.init(db);
		const table = pgvectorTableName(namespace);
		const existing = await this.run(namespace, () =>
			db.transaction(async (trx) => {
				// Serialises concurrent creators of the same namespace across processes.
				await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`ml_pgvector:${namespace}`]);
				const found = await this.lookup(trx, namespace);
				if (found) return found;
				const qualified = `${this.schema}.${table}`;
				await trx.raw(
					`create table if not exists ?? (id text primary key, item_key text not null, chunk_index integer not null, content text not null, metadata jsonb not null default '{}'::jsonb, embedding vector(${dimensions}) not null)`,
					[qualified],
				);
				await trx.raw('create index if not exists ?? on ?? (item_key, chunk_index)', [`${table}_item`, qualified]);
				await trx.raw(`create index if not exists ?? on ?? using hnsw (embedding vector_cosine_ops) with (m = ${this.hnsw.m}, ef_construction = ${this.hnsw.efConstruction})`, [
					`${table}_hnsw`,
					qualified,
				]);
				await trx.raw('insert into ?? (name, table_name, dimensions) values (?, ?, ?)', [this.registry, namespace, table, dimensions]);
				return { table, dimensions };
			}),
		);
		assertSameDimensions(namespace, existing.dimensions, dimensions);
	}

	async upsert(namespace: string, records: readonly VectorRecord[]): Promise<void> {
		assertNamespaceName(namespace);
		const db = await this.db();
		const target = await this.resolve(db, namespace);
		if (!target) throw namespaceNotFound(namespace);
		assertRecords(records, target.dimensions);
		// One INSERT .. ON CONFLICT cannot touch a row twice, so the last record per id wins here.
		const unique = [...new Map(records.map((r) => [r.id, r])).values()];
		const qualified = `${this.schema}.${target.table}`;
		await this.run(namespace, () =>
			db.transaction(async (trx) => {
				for (let i = 0; i < unique.length; i += INSERT_BATCH) {
					const batch = unique.slice(i, i + INSERT_BATCH);
					const bindings: unknown[] = [qualified];
					for (const r of batch) bindings.push(r.id, r.itemKey, r.chunkIndex, r.content, JSON.stringify(r.metadata ?? {}), toVectorLiteral(r.vector));
					await trx.raw(
						`insert into ?? (id, item_key, chunk_index, content, metadata, embedding) values ${batch.map(() => '(?, ?, ?, ?, ?::jsonb, ?::vector)').join(', ')}
						on conflict (id) do update set item_key = excluded.item_key, chunk_index = excluded.chunk_index, content = excluded.content, metadata = excluded.metadata, embedding = excluded.embedding`,
						bindings,
					);
				}
			}),
		);
	}

	async deleteByItem(namespace: string, itemKeys: readonly string[]): Promise<void> {
		assertNamespaceName(namespace);
		if (itemKeys.length === 0) return;
		const db = await this.db();
		const target = await this.resolve(db, namespace);
		if (!target) return;
		await this.run(namespace, () => db.raw('delete from ?? where item_key = any(?::text[])', [`${this.schema}.${target.table}`, [...itemKeys]]));
	}

	async deleteChunksFrom(namespace: string, itemKey: string, fromChunk: number): Promise<void> {
		assertNamespaceName(namespace);
		const db = await this.db();
		const target = await this.resolve(db, namespace);
		if (!target) return;
		await this.run(namespace, () => db.raw('delete from ?? where item_key = ? and chunk_index >= ?', [`${this.schema}.${target.table}`, itemKey, fromChunk]));
	}

	async query(namespace: string, query: VectorQuery): Promise<VectorMatch[]> {
		assertNamespaceName(namespace);
		const db = await this.db();
		const { iterativeScan } = await this.init(db);
		const target = await this.resolve(db, namespace);
		if (!target) return [];
		assertQuery(query, target.dimensions);
		if (query.itemKeys?.length === 0) return [];
		const entries = parseMetadataFilter(query.filter ?? {});
		if (filterMatchesNothing(entries)) return [];

		const where = metadataFilterToSql(entries);
		const bindings: unknown[] = [toVectorLiteral(query.vector), `${this.schema}.${target.table}`, ...where.bindings];
		let sql = `select id, item_key, chunk_index, content, metadata, (embedding <=> ?::vector) as distance from ?? where ${where.sql}`;
		if (query.itemKeys) {
			sql += ' and item_key = any(?::text[])';
			bindings.push([...query.itemKeys]);
		}
		sql += ' order by embedding <=> ?::vector limit ?';
		bindings.push(toVectorLiteral(query.vector), query.limit);
		const efSearch = Math.min(1000, Math.max(this.hnsw.efSearch, query.limit));
		const filtered = entries.length > 0 || query.itemKeys !== undefined;

		const rows = await this.run(namespace, () =>
			db.transaction(async (trx) => {
				await trx.raw(`set local hnsw.ef_search = ${efSearch}`);
				// Without iterative scans a selective filter can leave fewer than `limit` rows.
				if (filtered && iterativeScan) await trx.raw('set local hnsw.iterative_scan = strict_order');
				const result: { rows: { id: string; item_key: string; chunk_index: number; content: string; metadata: Record<string, MetadataValue>; distance: number }[] } = await trx.raw(sql, bindings);
				return result.rows;
			}),
		);
		const minScore = query.minScore ?? Number.NEGATIVE_INFINITY;
		return rows
			.map((r) => ({ id: r.id, itemKey: r.item_key, chunkIndex: Number(r.chunk_index), score: 1 - Number(r.distance), content: r.content, metadata: r.metadata ?? {} }))
			.filter((m) => m.score >= minScore);
	}

	async count(namespace: string): Promise<number> {
		assertNamespaceName(namespace);
		const db = await this.db();
		const target = await this.resolve(db, namespace);
		if (!target) return 0;
		return this.countTable(db, target.table);
	}

	async listNamespaces(): Promise<NamespaceInfo[]> {
		const db = await this.db();
		await this.init(db);
		const result: { rows: { name: string; table_name: string; dimensions: number }[] } = await db.raw('select name, table_name, dimensions from ?? order by name', [this.registry]);
		const out: NamespaceInfo[] = [];
		for (const r of result.rows) out.push({ name: r.name, dimensions: Number(r.dimensions), count: await this.countTable(db, r.table_name) });
		return out;
	}

	async dropNamespace(namespace: string): Promise<void> {
		assertNamespaceName(namespace);
		const db = await this.db();
		await this.init(db);
		await this.run(namespace, () =>
			db.transaction(async (trx) => {
				await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`ml_pgvector:${namespace}`]);
				const found = await this.lookup(trx, namespace);
				if (!found) return;
				await trx.raw('drop table if exists ??', [`${this.schema}.${found.table}`]);
				await trx.raw('delete from ?? where name = ?', [this.registry, namespace]);
			}),
		);
	}

	async health(): Promise<{ ok: boolean; message?: string }> {
		try {
			const db = await this.db();
			const result: { rows: { extversion: string }[] } = await db.raw("select extversion from pg_extension where extname = 'vector'");
			const version = result.rows[0]?.extversion;
			return version ? { ok: true, message: `pgvector ${version}` } : { ok: false, message: 'The pgvector extension is not installed.' };
		} catch (error) {
			return { ok: false, message: error instanceof Error ? error.message : String(error) };
		}
	}

	async close(): Promise<void> {
		if (this.ownsKnex && this.knex) await this.knex.destroy();
		this.knex = undefined;
		this.ready = undefined;
	}

	private get registry(): string {
		return `${this.schema}.${REGISTRY}`;
	}

	private async db(): Promise<Knex> {
		if (this.knex) return this.knex;
		if (!this.config.connectionString) throw new NotConfiguredError('The pgvector store needs a connection: set ML_PGVECTOR_URL (or use a PostgreSQL Directus database).');
		const { default: knexFactory } = await import('knex');
		this.knex = knexFactory({ client: 'pg', connection: this.config.connectionString, pool: { min: 0, max: 10 } });
		return this.knex;
	}

	/** Creates the extension and registry once per process; safe against concurrent starters. */
	private init(db: Knex): Promise<{ iterativeScan: boolean }> {
		this.ready ??= this.run('(setup)', () =>
			db.transaction(async (trx) => {
				await trx.raw('select pg_advisory_xact_lock(hashtext(?))', ['ml_pgvector:init']);
				await trx.raw('create extension if not exists vector');
				await trx.raw('create schema if not exists ??', [this.schema]);
				await trx.raw('create table if not exists ?? (name text primary key, table_name text not null unique, dimensions integer not null, created_at timestamptz not null default now())', [this.registry]);
				const result: { rows: { extversion: string }[] } = await trx.raw("select extversion from pg_extension where extname = 'vector'");
				const [major = 0, minor = 0] = (result.rows[0]?.extversion ?? '0.0').split('.').map(Number);
				return { iterativeScan: major > 0 || minor >= 8 };
			}),
		).catch((error: unknown) => {
			this.ready = undefined;
			throw error;
		});
		return this.ready;
	}

	private async resolve(db: Knex, namespace: string): Promise<Registered | undefined> {
		await this.init(db);
		return this.run(namespace, () => this.lookup(db, namespace));
	}

	private async lookup(db: Knex | Knex.Transaction, namespace: string): Promise<Registered | undefined> {
		const result: { rows: { table_name: string; dimensions: number }[] } = await db.raw('select table_name, dimensions from ?? where name = ?', [this.registry, namespace]);
		const row = result.rows[0];
		return row ? { table: row.table_name, dimensions: Number(row.dimensions) } : undefined;
	}

	private async countTable(db: Knex, table: string): Promise<number> {
		const result: { rows: { n: number | string }[] } = await db.raw('select count(*) as n from ??', [`${this.schema}.${table}`]);
		return Number(result.rows[0]?.n ?? 0);
	}

	/** Keeps our own errors; wraps driver errors with their cause and whether a retry can help. */
	private async run<T>(namespace: string, fn: () => Promise<T>): Promise<T> {
		try {
			return await fn();
		} catch (error) {
			if (error instanceof MlError) throw error;
			const code = (error as { code?: unknown }).code;
			const retryable = typeof code === 'string' && (/^(08|57P|40001|40P01|53)/.test(code) || code === 'ECONNREFUSED' || code === 'ECONNRESET');
			this.logger.debug({ namespace, code }, 'pgvector operation failed');
			throw new MlError(`pgvector operation on "${namespace}" failed.`, { code: 'VECTOR_STORE_ERROR', status: retryable ? 503 : 500, retryable, cause: error });
		}
	}
}

function toVectorLiteral(vector: readonly number[]): string {
	return `[${vector.join(',')}]`;
}
