import type { Knex } from 'knex';

/** The chunk table: internal state of the indexing pipeline, a plain table (not a Directus collection). */
export const CHUNK_TABLE = 'ml_chunks';

/**
 * Creates `ml_chunks` when missing: the chunks each indexed item was split into. Nobody browses
 * them in the admin app (`ml_documents` shows per-item state), so they stay out of Directus's
 * collections. `document` is the `ml_documents` row; there is deliberately no foreign key, so
 * the table can be left out of Directus's schema entirely (`DB_EXCLUDE_TABLES`: a foreign key
 * would still show up there as a relation to an unknown collection). The suite deletes chunks
 * with their documents, and `removeOrphanChunks` covers documents deleted by a cascade or by
 * hand. Safe when several processes start at once.
 */
export async function ensureChunkTable(knex: Knex): Promise<void> {
	if (!(await knex.schema.hasTable(CHUNK_TABLE))) {
		try {
			await knex.schema.createTable(CHUNK_TABLE, (t) => {
				t.increments('id');
				t.integer('document').unsigned();
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
		return;
	}
	await dropChunkForeignKeys(knex);
}

/** Upgrade from 0.1.0, where Directus created `ml_chunks.document` with a foreign key. Rows are kept. */
async function dropChunkForeignKeys(knex: Knex): Promise<void> {
	const client = String(knex.client.config.client);
	if (client === 'sqlite3' || client === 'better-sqlite3') {
		const keys: unknown[] = await knex.raw('PRAGMA foreign_key_list(??)', [CHUNK_TABLE]);
		if (keys.length === 0) return;
		// knex rebuilds the table without the constraint (SQLite cannot drop one in place).
		await knex.schema.alterTable(CHUNK_TABLE, (t) => t.dropForeign(['document']));
		return;
	}
	if (client.startsWith('pg') || client === 'postgres') {
		const result = await knex.raw(
			`SELECT conname FROM pg_constraint WHERE contype = 'f' AND conrelid = to_regclass(current_schema() || '.' || ?)`,
			[CHUNK_TABLE],
		);
		for (const row of (result as { rows: { conname: string }[] }).rows) await knex.raw('ALTER TABLE ?? DROP CONSTRAINT ??', [CHUNK_TABLE, row.conname]);
		return;
	}
	// Other databases: the name Directus gave it (knex's default); none under that name is fine.
	await knex.schema.alterTable(CHUNK_TABLE, (t) => t.dropForeign(['document'])).catch(() => undefined);
}

/** Deletes chunks whose `ml_documents` row is gone (a deleted index cascades to its documents). Returns how many. */
export async function removeOrphanChunks(knex: Knex): Promise<number> {
	return knex(CHUNK_TABLE)
		.whereNotExists(knex('ml_documents').select(knex.raw('1')).whereRaw('?? = ??', ['ml_documents.id', `${CHUNK_TABLE}.document`]))
		.delete();
}
