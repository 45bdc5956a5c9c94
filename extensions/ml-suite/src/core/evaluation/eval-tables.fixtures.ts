import type { Knex } from 'knex';

/**
 * `ml_eval_sets` and `ml_eval_runs` created with knex, for tests without Directus. Column types
 * follow api/schema/eval-collections.ts (what Directus creates at start-up).
 */
export async function createEvalTables(knex: Knex): Promise<void> {
	await knex.schema.createTable('ml_eval_sets', (t) => {
		t.uuid('id').primary();
		t.string('name', 255).notNullable().unique();
		t.string('source', 64).defaultTo('manual');
		t.uuid('index');
		t.string('collection', 255);
		t.string('id_field', 255);
		t.text('description');
		t.json('queries');
		t.integer('query_count');
		t.json('import_report');
		t.timestamp('date_created');
		t.timestamp('date_updated');
	});
	await knex.schema.createTable('ml_eval_runs', (t) => {
		t.uuid('id').primary();
		t.string('status', 64).defaultTo('queued');
		t.uuid('eval_set').references('id').inTable('ml_eval_sets').onDelete('SET NULL');
		t.string('set_name', 255);
		t.string('set_hash', 64);
		t.string('index_name', 255);
		t.string('collection', 255);
		t.uuid('model');
		t.string('model_key', 255);
		t.string('model_label', 255);
		t.boolean('candidate_model').notNullable().defaultTo(false);
		t.string('mode', 255);
		t.string('reranker', 255);
		t.json('search_options');
		t.integer('k');
		t.integer('query_count');
		t.integer('queries_with_hit');
		t.integer('progress').defaultTo(0);
		t.float('ndcg_at_10');
		t.float('recall_at_k');
		t.float('mrr');
		t.json('timings');
		t.json('details');
		t.json('per_query');
		t.text('error');
		t.string('job_id', 255);
		t.string('source', 64).defaultTo('api');
		t.uuid('user');
		t.timestamp('date_created');
		t.timestamp('date_started');
		t.timestamp('date_finished');
	});
}
