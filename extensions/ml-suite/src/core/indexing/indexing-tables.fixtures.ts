import type { Knex } from 'knex';

/**
 * The tables the indexing pipeline writes, created with knex for tests and benchmarks that run
 * without Directus. Column names and types follow api/schema/ml-collections.ts.
 */
export async function createIndexingTables(db: Knex): Promise<void> {
	await db.schema.createTable('ml_indexes', (t) => {
		t.string('id', 36).primary();
		t.string('name').notNullable().unique();
		t.string('label');
		t.string('status').defaultTo('active');
		t.string('collection').notNullable();
		t.string('title_field');
		t.text('content_fields');
		t.text('context_fields');
		t.text('metadata_fields');
		t.text('filter');
		t.integer('chunk_size');
		t.integer('chunk_overlap');
		t.string('embedding_model', 36);
		t.string('vector_store').defaultTo('default');
		t.string('settings_hash');
		t.timestamp('last_indexed_at');
	});
	await db.schema.createTable('ml_documents', (t) => {
		t.increments('id');
		t.string('index', 36);
		t.string('collection');
		t.string('item');
		t.string('status');
		t.string('content_hash', 64);
		t.string('settings_hash', 64);
		t.integer('chunk_count').defaultTo(0);
		t.integer('attempts').defaultTo(0);
		t.text('error');
		t.timestamp('date_indexed');
		t.timestamp('date_updated');
		t.unique(['index', 'item']);
	});
	await db.schema.createTable('ml_chunks', (t) => {
		t.increments('id');
		t.integer('document');
		t.string('collection');
		t.string('item');
		t.integer('chunk_index');
		t.integer('token_count');
		t.text('content');
		t.index(['document']);
	});
}
