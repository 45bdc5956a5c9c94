import { randomUUID } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import knexFactory, { type Knex } from 'knex';
import { createIndexingTables } from '../../extensions/ml-suite/src/core/indexing/indexing-tables.fixtures.js';
import { testIndex } from '../../extensions/ml-suite/src/core/indexing/index-definition.fixtures.js';
import type { IndexDefinition } from '../../extensions/ml-suite/src/core/indexing/index-definition.js';
import type { ItemSource } from '../../extensions/ml-suite/src/core/indexing/item-source.js';
import type { CallerAccess } from '../../extensions/ml-suite/src/core/search/caller-access.js';
import { createUsageTable } from '../../extensions/ml-suite/src/core/usage/usage-table.js';
import type { CorpusItem } from './corpus.js';

export const BENCH_TMP = process.env.BENCH_TMP ?? join(dirname(fileURLToPath(import.meta.url)), '..', '.tmp', `run-${process.pid}`);

/** A fresh SQLite file opened the way Directus opens it (knex + sqlite3, foreign keys on). */
export function openSqlite(name: string): { knex: Knex; file: string; remove(): Promise<void> } {
	mkdirSync(BENCH_TMP, { recursive: true });
	const file = join(BENCH_TMP, `${name}.db`);
	rmSync(file, { force: true });
	const knex = knexFactory({
		client: 'sqlite3',
		connection: { filename: file },
		useNullAsDefault: true,
		pool: {
			afterCreate: (conn: { run(sql: string, cb: (error: Error | null) => void): void }, done: (error: Error | null, conn: unknown) => void) => {
				conn.run('PRAGMA foreign_keys = ON', (error) => done(error, conn));
			},
		},
	});
	return {
		knex,
		file,
		async remove() {
			await knex.destroy();
			rmSync(file, { force: true });
			rmSync(`${file}-journal`, { force: true });
		},
	};
}

/**
 * The suite tables the indexing pipeline writes, with the column shapes of
 * api/schema/ml-collections.ts (what Directus creates from the schema snapshot).
 */
export async function createSuiteTables(knex: Knex): Promise<void> {
	await createIndexingTables(knex);
	await createUsageTable(knex);
}

/** The CMS stand-in: a plain content table like one Directus creates for a collection. */
export async function createItemsTable(knex: Knex, table: string, items: readonly CorpusItem[]): Promise<void> {
	await knex.schema.createTable(table, (t) => {
		t.increments('id');
		t.string('title', 255);
		t.text('body');
		t.string('category', 255);
	});
	for (let i = 0; i < items.length; i += 200) await knex(table).insert(items.slice(i, i + 200));
}

/** Inserts an `ml_indexes` row and returns the definition the services take. */
export async function createIndex(knex: Knex, name: string, collection: string, options: { vectorStore?: IndexDefinition['vectorStore'] } = {}): Promise<IndexDefinition> {
	const id = randomUUID();
	const row = {
		id,
		name,
		label: name,
		status: 'active',
		collection,
		title_field: 'title',
		content_fields: 'body',
		context_fields: 'title',
		metadata_fields: 'category',
		chunk_size: 1000,
		chunk_overlap: 150,
		vector_store: options.vectorStore ?? 'embedded',
	};
	await knex('ml_indexes').insert(row);
	return testIndex(name, collection, { id, contextFields: ['title'], metadataFields: ['category'], chunkOverlap: 150, vectorStore: options.vectorStore ?? 'embedded' });
}

const IN_LIST = 500;

/**
 * Items of a SQLite table, read the way the Directus glue reads them: as the pipeline's
 * ItemSource (system access) and as a caller's CallerAccess (a row per readable item, `*`
 * fields). Every caller may read everything here; the cost measured is the re-read itself.
 * Filters are not supported (the benchmarks use none).
 */
export class SqliteItems implements ItemSource, CallerAccess {
	constructor(
		private readonly knex: Knex,
		private readonly pk = 'id',
	) {}

	async primaryKey(): Promise<string> {
		return this.pk;
	}

	private readonly tables = new Map<string, Promise<boolean>>();

	/**
	 * The benchmark's caller is like an administrator, whom Directus lets read every active
	 * collection: DirectusCallerAccess answers that from the schema Directus keeps in memory, with
	 * no query. So here too the table's existence is looked up once, not per search.
	 */
	canRead(collection: string): Promise<boolean> {
		let known = this.tables.get(collection);
		if (!known) {
			// A knex builder is a thenable that runs its query on every `then`: wrapped in a promise,
			// the lookup runs once and the cached answer is reused.
			known = Promise.resolve(this.knex.schema.hasTable(collection));
			this.tables.set(collection, known);
		}
		return known;
	}

	/** Full read access (the benchmark's caller is like an admin); `restricted` forces the rules path to measure its cost. */
	restricted = false;
	async restrictions(): Promise<{ restricted: boolean }> {
		return { restricted: this.restricted };
	}

	async read(collection: string, keys: readonly string[], fields: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
		return this.rows(collection, keys, [...fields]);
	}

	async readItems(collection: string, keys: readonly string[], filter: Record<string, unknown> | null, fields?: readonly string[]): Promise<Map<string, Record<string, unknown>>> {
		if (filter) throw new Error('SqliteItems does not evaluate Directus filters.');
		return this.rows(collection, keys, fields ? [...new Set([this.pk, ...fields])] : ['*']);
	}

	async matching(_collection: string, keys: readonly string[]): Promise<Set<string>> {
		return new Set(keys);
	}

	async listKeys(collection: string, page: { offset: number; limit: number }): Promise<string[]> {
		const rows: Record<string, unknown>[] = await this.knex(collection).select(this.pk).orderBy(this.pk).offset(page.offset).limit(page.limit);
		return rows.map((row) => String(row[this.pk]));
	}

	async count(collection: string): Promise<number> {
		const row = await this.knex(collection).count({ n: '*' }).first();
		return Number(row?.n ?? 0);
	}

	private async rows(collection: string, keys: readonly string[], fields: string[]): Promise<Map<string, Record<string, unknown>>> {
		const out = new Map<string, Record<string, unknown>>();
		for (let i = 0; i < keys.length; i += IN_LIST) {
			const rows: Record<string, unknown>[] = await this.knex(collection)
				.select(fields)
				.whereIn(this.pk, keys.slice(i, i + IN_LIST));
			for (const row of rows) out.set(String(row[this.pk]), row);
		}
		return out;
	}
}
