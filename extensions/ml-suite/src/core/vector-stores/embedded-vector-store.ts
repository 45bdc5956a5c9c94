import { randomInt } from 'node:crypto';
import type { Knex } from 'knex';
import { isPostgres, isSqlite } from '../database/db-client.js';
import { MlError } from '../errors.js';
import { ensureEmbeddedTables, embeddedTableNames, type EmbeddedTables } from './embedded-schema.js';
import { compileMetadataFilter, filterMatchesNothing, parseMetadataFilter } from './metadata-filter.js';
import { NamespaceMatrix } from './namespace-matrix.js';
import type { MetadataValue, NamespaceInfo, VectorMatch, VectorQuery, VectorRecord, VectorStore } from './types.js';
import { encodeFloat32, normaliseInPlace } from './vector-codec.js';
import { silentLogger, type Logger } from '../logger.js';
import type { VectorStoreDeps } from './vector-store-deps.js';
import { assertDimensions, assertNamespaceName, assertQuery, assertRecords, assertSameDimensions, namespaceNotFound } from './vector-store-validation.js';

export interface EmbeddedVectorStoreConfig {
	/** The Directus database (SQLite or PostgreSQL). Not closed by `close()`: it is not ours. */
	knex: Knex;
	/** Prefix of the two tables (`<prefix>vector_namespaces`, `<prefix>vectors`). Default: `ml_`. */
	tablePrefix?: string;
}

/** Rows per INSERT: 7 bound columns each keeps a batch under SQLite's oldest 999-variable limit. */
const INSERT_BATCH = 100;
/** Rows per INSERT on PostgreSQL (65,535 bound values at most): an indexing page in a round trip or two. */
const POSTGRES_INSERT_BATCH = 2000;
/** Values per `IN (...)` list, for the same reason. */
const IN_BATCH = 500;
/** Rows fetched per page when loading a namespace into memory. */
const LOAD_PAGE = 2000;

/**
 * The multi-row upsert of `rows` vectors on SQLite, written out (and cached per row count): knex
 * builds a SQLite multi-row insert as a `SELECT … UNION ALL` chain with an alias per value, which
 * costs more main-thread time to compile than SQLite takes to run it. Other databases keep knex's
 * builder (on PostgreSQL it measured the same; MySQL needs its own upsert syntax).
 */
const sqliteUpsertSql = new Map<number, string>();
function sqliteUpsertVectorsSql(rows: number): string {
	let sql = sqliteUpsertSql.get(rows);
	if (sql === undefined) {
		sql =
			'insert into ?? (namespace, id, item_key, chunk_index, content, metadata, vector) values ' +
			Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?)').join(', ') +
			' on conflict (namespace, id) do update set item_key = excluded.item_key, chunk_index = excluded.chunk_index, content = excluded.content, metadata = excluded.metadata, vector = excluded.vector';
		if (sqliteUpsertSql.size > 64) sqliteUpsertSql.clear();
		sqliteUpsertSql.set(rows, sql);
	}
	return sql;
}

interface NamespaceRow {
	dimensions: number;
	version: number;
}

/**
 * Vectors in the Directus database, searched exactly in process. Each namespace is loaded
 * lazily into a `NamespaceMatrix`. Several processes may share the database: every write bumps
 * the namespace's `version` in the same transaction, each query reads that version first (one
 * cheap query) and reloads when another process has written since; this process's own writes
 * are applied to its copy directly.
 */
export class EmbeddedVectorStore implements VectorStore {
	readonly kind = 'embedded';
	private readonly knex: Knex;
	private readonly tables: EmbeddedTables;
	private readonly logger: Logger;
	private ready: Promise<void> | undefined;
	private readonly matrices = new Map<string, NamespaceMatrix>();
	private readonly loads = new Map<string, Promise<NamespaceMatrix>>();

	constructor(config: EmbeddedVectorStoreConfig, deps: VectorStoreDeps = {}) {
		this.knex = config.knex;
		this.tables = embeddedTableNames(config.tablePrefix ?? 'ml_');
		this.logger = deps.logger ?? silentLogger;
	}

	async ensureNamespace(namespace: string, dimensions: number): Promise<void> {
		assertNamespaceName(namespace);
		assertDimensions(dimensions);
		await this.init();
		// A random starting version keeps a dropped-and-recreated namespace from matching a cache of the old one.
		await this.knex(this.tables.namespaces)
			.insert({ name: namespace, dimensions, version: randomInt(1, 2 ** 47), updated_at: this.knex.fn.now() })
			.onConflict('name')
			.ignore();
		const row = await this.namespaceRow(this.knex, namespace);
		if (row) assertSameDimensions(namespace, row.dimensions, dimensions);
	}

	async upsert(namespace: string, records: readonly VectorRecord[]): Promise<void> {
		assertNamespaceName(namespace);
		await this.init();
		const unique = [...new Map(records.map((record) => [record.id, record])).values()];
		let dimensions = 0;
		const version = await this.write(namespace, async (trx, row) => {
			dimensions = row.dimensions;
			assertRecords(unique, row.dimensions);
			const batch = isPostgres(this.knex) ? POSTGRES_INSERT_BATCH : INSERT_BATCH;
			const sqlite = isSqlite(this.knex);
			for (let i = 0; i < unique.length; i += batch) {
				const part = unique.slice(i, i + batch);
				if (sqlite) {
					const bindings: unknown[] = [this.tables.vectors];
					for (const r of part) bindings.push(namespace, r.id, r.itemKey, r.chunkIndex, r.content, JSON.stringify(r.metadata ?? {}), encodeFloat32(r.vector));
					await trx.raw(sqliteUpsertVectorsSql(part.length), bindings);
					continue;
				}
				const rows = part.map((r) => ({ namespace, id: r.id, item_key: r.itemKey, chunk_index: r.chunkIndex, content: r.content, metadata: JSON.stringify(r.metadata ?? {}), vector: encodeFloat32(r.vector) }));
				await trx(this.tables.vectors)
					.insert(rows)
					.onConflict(['namespace', 'id'])
					.merge(['item_key', 'chunk_index', 'content', 'metadata', 'vector']);
			}
		});
		if (version === undefined) throw namespaceNotFound(namespace);
		this.applyOwnWrite(namespace, version, dimensions, (matrix) => {
			for (const r of unique) matrix.setFromVector(r.id, r.itemKey, r.chunkIndex, { ...r.metadata }, r.vector);
		});
	}

	async deleteByItem(namespace: string, itemKeys: readonly string[]): Promise<void> {
		assertNamespaceName(namespace);
		if (itemKeys.length === 0) return;
		await this.init();
		let dimensions = 0;
		const version = await this.write(namespace, async (trx, row) => {
			dimensions = row.dimensions;
			for (let i = 0; i < itemKeys.length; i += IN_BATCH) {
				await trx(this.tables.vectors)
					.where({ namespace })
					.whereIn('item_key', itemKeys.slice(i, i + IN_BATCH))
					.delete();
			}
		});
		const keys = new Set(itemKeys);
		this.applyOwnWrite(namespace, version, dimensions, (matrix) => matrix.removeWhere((row) => keys.has(matrix.itemKey(row))));
	}

	async deleteChunksFrom(namespace: string, itemKey: string, fromChunk: number): Promise<void> {
		assertNamespaceName(namespace);
		await this.init();
		let dimensions = 0;
		const version = await this.write(namespace, async (trx, row) => {
			dimensions = row.dimensions;
			await trx(this.tables.vectors).where({ namespace, item_key: itemKey }).andWhere('chunk_index', '>=', fromChunk).delete();
		});
		this.applyOwnWrite(namespace, version, dimensions, (matrix) =>
			matrix.removeWhere((row) => matrix.itemKey(row) === itemKey && matrix.chunkIndex(row) >= fromChunk),
		);
	}

	async query(namespace: string, query: VectorQuery): Promise<VectorMatch[]> {
		assertNamespaceName(namespace);
		await this.init();
		const row = await this.namespaceRow(this.knex, namespace);
		if (!row) return [];
		assertQuery(query, row.dimensions);
		if (query.itemKeys?.length === 0) return [];
		const filter = query.filter && Object.keys(query.filter).length > 0 ? query.filter : undefined;
		if (filter && filterMatchesNothing(parseMetadataFilter(filter))) return [];

		const matrix = await this.matrixFor(namespace, row);
		const itemKeys = query.itemKeys ? new Set(query.itemKeys) : undefined;
		const matches = filter ? compileMetadataFilter(filter) : undefined;
		const accept =
			itemKeys || matches
				? (r: number): boolean => (!itemKeys || itemKeys.has(matrix.itemKey(r))) && (!matches || matches(matrix.metadataOf(r)))
				: undefined;
		// Filled with set, not the constructor: that iterates, slow once the array-iterator protector is gone (see toFloat32Array).
		const unit = new Float32Array(query.vector.length);
		unit.set(query.vector);
		normaliseInPlace(unit, 0, unit.length);
		const hits = (await matrix.search(unit, query.limit, accept, query.minScore, { perItem: query.perItem })).map((hit) => ({ id: matrix.id(hit.row), itemKey: matrix.itemKey(hit.row), chunkIndex: matrix.chunkIndex(hit.row), score: hit.score, metadata: { ...matrix.metadataOf(hit.row) } }));

		const contents = new Map<string, string>();
		for (let i = 0; i < hits.length; i += IN_BATCH) {
			const ids = hits.slice(i, i + IN_BATCH).map((hit) => hit.id);
			const rows: { id: string; content: string }[] = await this.knex(this.tables.vectors).where({ namespace }).whereIn('id', ids).select('id', 'content');
			for (const r of rows) contents.set(r.id, r.content);
		}
		// A hit whose row is gone was deleted by another process after our version check.
		return hits.flatMap((hit) => {
			const content = contents.get(hit.id);
			return content === undefined ? [] : [{ ...hit, content }];
		});
	}

	async count(namespace: string): Promise<number> {
		assertNamespaceName(namespace);
		await this.init();
		const row = await this.knex(this.tables.vectors).where({ namespace }).count({ n: '*' }).first();
		return Number(row?.n ?? 0);
	}

	async listNamespaces(): Promise<NamespaceInfo[]> {
		await this.init();
		const { namespaces, vectors } = this.tables;
		const rows: { name: string; dimensions: number | string; n: number | string }[] = await this.knex(`${namespaces} as ns`)
			.leftJoin(`${vectors} as v`, 'v.namespace', 'ns.name')
			.groupBy('ns.name', 'ns.dimensions')
			.orderBy('ns.name')
			.select('ns.name as name', 'ns.dimensions as dimensions')
			.count({ n: 'v.id' });
		return rows.map((r) => ({ name: r.name, dimensions: Number(r.dimensions), count: Number(r.n) }));
	}

	async dropNamespace(namespace: string): Promise<void> {
		assertNamespaceName(namespace);
		await this.init();
		await this.knex.transaction(async (trx) => {
			await trx(this.tables.vectors).where({ namespace }).delete();
			await trx(this.tables.namespaces).where({ name: namespace }).delete();
		});
		this.matrices.delete(namespace);
	}

	async health(): Promise<{ ok: boolean; message?: string }> {
		try {
			await this.init();
			await this.knex(this.tables.namespaces).select('name').limit(1);
			return { ok: true };
		} catch (error) {
			return { ok: false, message: error instanceof Error ? error.message : String(error) };
		}
	}

	async close(): Promise<void> {
		this.matrices.clear();
	}

	private init(): Promise<void> {
		this.ready ??= ensureEmbeddedTables(this.knex, this.tables, this.logger).catch((error: unknown) => {
			this.ready = undefined; // let the next call retry (e.g. the database was briefly down)
			throw error;
		});
		return this.ready;
	}

	private async namespaceRow(db: Knex | Knex.Transaction, namespace: string): Promise<NamespaceRow | undefined> {
		const row: { dimensions: number | string; version: number | string } | undefined = await db(this.tables.namespaces)
			.where({ name: namespace })
			.first('dimensions', 'version');
		return row ? { dimensions: Number(row.dimensions), version: Number(row.version) } : undefined;
	}

	/**
	 * Runs a write in a transaction that first bumps the namespace version: on PostgreSQL the
	 * UPDATE locks the row, so concurrent writers are serialised and the version read back is
	 * exactly ours. Returns that version, or undefined when the namespace does not exist.
	 */
	private async write(namespace: string, body: (trx: Knex.Transaction, row: NamespaceRow) => Promise<void>): Promise<number | undefined> {
		try {
			return await this.knex.transaction(async (trx) => {
				const updated = await trx(this.tables.namespaces)
					.where({ name: namespace })
					.update({ version: trx.raw('?? + 1', ['version']), updated_at: trx.fn.now() });
				if (updated === 0) return undefined;
				const row = await this.namespaceRow(trx, namespace);
				if (!row) return undefined;
				await body(trx, row);
				return row.version;
			});
		} catch (error) {
			if (error instanceof MlError) throw error;
			throw new MlError(`Writing to vector namespace "${namespace}" failed.`, { code: 'VECTOR_STORE_WRITE', status: 500, retryable: true, cause: error });
		}
	}

	/** Applies our own committed write to the cached copy, or drops the copy if it missed a write. */
	private applyOwnWrite(namespace: string, version: number | undefined, dimensions: number, mutate: (matrix: NamespaceMatrix) => void): void {
		if (version === undefined) return;
		const matrix = this.matrices.get(namespace);
		if (!matrix) return;
		if (matrix.version === version - 1 && matrix.dimensions === dimensions) {
			mutate(matrix);
			matrix.version = version;
		} else {
			this.matrices.delete(namespace);
		}
	}

	private async matrixFor(namespace: string, row: NamespaceRow): Promise<NamespaceMatrix> {
		const cached = this.matrices.get(namespace);
		if (cached && cached.version === row.version && cached.dimensions === row.dimensions) return cached;
		const key = `${namespace}\u0000${row.version}`;
		let load = this.loads.get(key);
		if (!load) {
			if (cached) this.logger.debug({ namespace, from: cached.version, to: row.version }, 'Reloading vectors written by another process');
			load = this.load(namespace, row).finally(() => this.loads.delete(key));
			this.loads.set(key, load);
		}
		const matrix = await load;
		const current = this.matrices.get(namespace);
		if (!current || current.version < matrix.version) this.matrices.set(namespace, matrix);
		return matrix;
	}

	/**
	 * Loads a namespace page by page (keyset on the primary key). The version was read before
	 * the rows, so the copy is at least that version; a later version check reloads if not.
	 */
	private async load(namespace: string, row: NamespaceRow): Promise<NamespaceMatrix> {
		const total = await this.count(namespace);
		const matrix = new NamespaceMatrix(row.dimensions, row.version, total + 16);
		let after: string | undefined;
		for (;;) {
			const query = this.knex(this.tables.vectors)
				.where({ namespace })
				.orderBy('id')
				.limit(LOAD_PAGE)
				.select('id', 'item_key', 'chunk_index', 'metadata', 'vector');
			if (after !== undefined) query.andWhere('id', '>', after);
			const page: { id: string; item_key: string; chunk_index: number; metadata: string; vector: Buffer }[] = await query;
			for (const r of page) {
				const metadata = JSON.parse(r.metadata) as Record<string, MetadataValue>;
				matrix.setFromBytes(r.id, r.item_key, Number(r.chunk_index), metadata, r.vector);
			}
			if (page.length < LOAD_PAGE) break;
			after = page[page.length - 1]?.id;
		}
		return matrix;
	}
}

