import type { Knex } from 'knex';
import { ensureUsageRollupTable, usageCallColumns } from './usage-rollups.js';

/**
 * Creates the usage table with the columns `KnexUsageRecorder` writes, if it is missing.
 * Directus installs get `ml_usage` from the suite's schema snapshot; this is for tests and
 * standalone databases. Its rollup table (`<table>_rollups`) is created too.
 */
export async function createUsageTable(knex: Knex, table = 'ml_usage'): Promise<void> {
	await ensureUsageRollupTable(knex, `${table}_rollups`);
	if (await knex.schema.hasTable(table)) return;
	await knex.schema.createTable(table, (t) => {
		t.increments('id');
		t.timestamp('timestamp').notNullable();
		usageCallColumns(t);
		t.string('item', 255).nullable();
		t.integer('input_tokens').notNullable().defaultTo(0);
		t.integer('output_tokens').notNullable().defaultTo(0);
		t.float('cost').notNullable().defaultTo(0);
		t.integer('latency_ms').notNullable().defaultTo(0);
		t.string('status', 16).notNullable();
		t.string('error_code', 64).nullable();
		t.boolean('cache_hit').notNullable().defaultTo(false);
		t.float('audio_seconds').nullable();
		t.index(['timestamp']);
	});
}
