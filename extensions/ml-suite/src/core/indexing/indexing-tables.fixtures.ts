import type { Knex } from 'knex';
import { ensureChunkTable } from './chunk-table.js';

/**
 * The tables the indexing pipeline writes, created with knex for tests and benchmarks that run
 * without Directus. Column shapes, keys and indexes follow api/schema/ml-collections.ts (what
 * Directus creates from the schema snapshot); `ml_chunks` is the same plain table the suite creates.
 */
export async function createIndexingTables(knex: Knex): Promise<void> {
	await knex.schema.createTable('ml_indexes', (t) => {
		t.uuid('id').primary();
		t.string('status', 255).defaultTo('active');
		t.string('name', 255).notNullable().unique();
		t.string('label', 255);
		t.string('collection', 255);
		t.string('title_field', 255);
		t.text('content_fields');
		t.text('context_fields');
		t.text('metadata_fields');
		t.json('filter');
		t.integer('chunk_size').defaultTo(1000);
		t.integer('chunk_overlap').defaultTo(150);
		t.uuid('embedding_model');
		t.string('vector_store', 255).defaultTo('default');
		t.string('settings_hash', 255);
		t.timestamp('last_indexed_at');
		t.timestamp('date_created');
		t.timestamp('date_updated');
	});
	await knex.schema.createTable('ml_documents', (t) => {
		t.increments('id');
		t.uuid('index').references('id').inTable('ml_indexes').onDelete('CASCADE');
		t.string('collection', 255);
		t.string('item', 255);
		t.string('status', 255).defaultTo('pending');
		t.string('content_hash', 64);
		t.string('settings_hash', 64);
		t.integer('chunk_count').defaultTo(0);
		t.integer('attempts').defaultTo(0);
		t.text('error');
		t.integer('revision').defaultTo(0);
		t.boolean('retryable').defaultTo(false);
		t.timestamp('date_indexed');
		t.timestamp('date_updated');
		t.unique(['index', 'item'], { indexName: 'ml_documents_index_item_unique' });
		t.index(['status'], 'ml_documents_status_idx');
	});
	await ensureChunkTable(knex);
}
