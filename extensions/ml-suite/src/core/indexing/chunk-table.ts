import type { Knex } from 'knex';

/** The chunk table: internal state of the indexing pipeline, a plain table (not a Directus collection). */
export const CHUNK_TABLE = 'ml_chunks';

/**
 * Creates `ml_chunks` when missing: the chunks each indexed item was split into. Nobody browses
 * them in the admin app (`ml_documents` shows per-item state), so they stay out of Directus's
 * collections. The foreign key removes an item's chunks with its `ml_documents` row. Safe when
 * several processes start at once.
 */
export async function ensureChunkTable(knex: Knex): Promise<void> {
	if (await knex.schema.hasTable(CHUNK_TABLE)) return;
	try {
		await knex.schema.createTable(CHUNK_TABLE, (t) => {
			t.increments('id');
			t.integer('document').unsigned().references('id').inTable('ml_documents').onDelete('CASCADE');
			t.string('collection', 255);
			t.string('item', 255);
			t.integer('chunk_index');
			t.integer('token_count');
			t.text('content');
			t.index(['document'], 'ml_chunks_document_idx');
		});
	} catch (error) {
		if (!(await knex.schema.hasTable(CHUNK_TABLE))) throw error;
	}
}
