import type { Knex } from 'knex';
import { MlError } from '../errors.js';
import type { Logger } from '../logger.js';

/** Table names of the embedded store for a given prefix. */
export interface EmbeddedTables {
	namespaces: string;
	vectors: string;
}

export function embeddedTableNames(prefix: string): EmbeddedTables {
	return { namespaces: `${prefix}vector_namespaces`, vectors: `${prefix}vectors` };
}

/**
 * Creates the embedded store's tables when missing. Safe when several processes start at once:
 * each table is created in its own transaction (so a table never exists without its index), and
 * losing the race to another process is not an error.
 */
export async function ensureEmbeddedTables(knex: Knex, tables: EmbeddedTables, logger: Logger): Promise<void> {
	await createTableIfMissing(knex, tables.namespaces, logger, (table) => {
		table.string('name', 200).primary();
		table.integer('dimensions').notNullable();
		table.bigInteger('version').notNullable();
		table.timestamp('updated_at').notNullable().defaultTo(knex.fn.now());
	});
	await createTableIfMissing(knex, tables.vectors, logger, (table) => {
		table.string('namespace', 200).notNullable();
		table.string('id', 255).notNullable();
		table.string('item_key', 255).notNullable();
		table.integer('chunk_index').notNullable();
		table.text('content').notNullable();
		table.text('metadata').notNullable();
		table.binary('vector').notNullable();
		// A single-column key keeps Directus's schema reader happy (it ignores, with a warning on
		// every schema load, tables without one); records are addressed by (namespace, id).
		table.increments('pk').primary();
		table.unique(['namespace', 'id']);
		table.index(['namespace', 'item_key']);
	});
}

async function createTableIfMissing(
	knex: Knex,
	name: string,
	logger: Logger,
	build: (table: Knex.CreateTableBuilder) => void,
): Promise<void> {
	if (await knex.schema.hasTable(name)) return;
	try {
		await knex.transaction(async (trx) => {
			await trx.schema.createTable(name, build);
		});
	} catch (error) {
		if (await knex.schema.hasTable(name)) {
			logger.debug({ table: name }, 'Another process created the vector table first');
			return;
		}
		throw new MlError(`Could not create the vector table "${name}".`, { code: 'VECTOR_STORE_SCHEMA', status: 500, cause: error });
	}
}
