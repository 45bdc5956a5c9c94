import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory from 'knex';
import { describe, expect, it } from 'vitest';
import { eventually } from './support/content.js';
import { directusCommand, freshSqliteFile, startDirectus } from './support/directus.js';

/**
 * An install made by suite 0.1.0 (whose schema is this snapshot: the snapshot test proved it is
 * exactly what that version created at start-up) registered `ml_chunks` as a Directus collection.
 * Upgrading must turn it into a plain table without losing a row.
 */
const OLD_SNAPSHOT = join(import.meta.dirname, 'fixtures', 'ml-suite-0.1.0.snapshot.json');

describe('upgrading an install that registered internal tables as collections (sqlite)', () => {
	it('unregisters ml_chunks, keeps its rows, drops its foreign key, and then starts clean', { timeout: 600_000 }, async () => {
		const { file, env } = await freshSqliteFile('upgrade');
		// 0.1.0's schema is applied without today's bundle loaded: today's bundle hides internal tables
		// from Directus (DB_EXCLUDE_TABLES), which 0.1.0 did not.
		directusCommand(['schema', 'apply', '--yes', OLD_SNAPSHOT], { ...env, EXTENSIONS_PATH: mkdtempSync(join(tmpdir(), 'ml-no-ext-')) });

		// State as 0.1.0 left it: an index, an item's state row and its chunks, an admin preset.
		const db = knexFactory({ client: 'sqlite3', connection: { filename: file }, useNullAsDefault: true });
		try {
			expect(await db('directus_collections').where('collection', 'ml_chunks').first()).toBeDefined();
			await db('ml_indexes').insert({ id: '5f0c2a57-8a3e-4e5e-9c1e-3b7f5d0a1b22', name: 'legacy', collection: 'legacy_posts', content_fields: 'body', status: 'paused' });
			const [documentId] = await db('ml_documents').insert({ index: '5f0c2a57-8a3e-4e5e-9c1e-3b7f5d0a1b22', collection: 'legacy_posts', item: '1', status: 'indexed', chunk_count: 2 });
			await db('ml_chunks').insert([
				{ document: documentId, collection: 'legacy_posts', item: '1', chunk_index: 0, token_count: 3, content: 'first legacy chunk' },
				{ document: documentId, collection: 'legacy_posts', item: '1', chunk_index: 1, token_count: 3, content: 'second legacy chunk' },
			]);
			await db('directus_presets').insert({ collection: 'ml_chunks', layout: 'tabular' });
		} finally {
			await db.destroy();
		}

		const first = await startDirectus({ sqliteFile: file, seedDemo: true });
		try {
			const health = await first.request('GET', '/ml/health');
			expect(health.body.services.schema.status).toBe('ok');
			expect(health.body.services.schema.unregisteredAtStartup).toEqual(['ml_chunks']);

			// No longer a registered collection: no metadata, nothing in the admin's navigation.
			const collections = await first.request('GET', '/collections');
			const chunks = collections.body.data.find((c: { collection: string }) => c.collection === 'ml_chunks');
			expect(chunks?.meta ?? null).toBeNull();
			// Hidden from Directus altogether (DB_EXCLUDE_TABLES): no fields to list.
			expect((await first.request('GET', '/fields/ml_chunks')).body.data ?? []).toEqual([]);
			const registered = collections.body.data.filter((c: { meta: unknown; collection: string }) => c.meta && c.collection.startsWith('ml_')).map((c: { collection: string }) => c.collection);
			expect(registered).not.toEqual(expect.arrayContaining(['ml_chunks', 'ml_vectors', 'ml_vector_namespaces', 'ml_embedding_cache']));

			// Indexing writes chunks into the same table after the upgrade.
			await eventually(async () => (await first.request('GET', '/ml/indexes/articles/coverage')).body.data?.documents.indexed > 0, 60_000, 'demo indexed');
			const search = await first.request('POST', '/ml/search', { body: { query: 'sourdough hydration and gluten', indexes: ['articles'], limit: 1, mode: 'hybrid' } });
			expect(search.status).toBe(200);
			expect(search.body.data[0].title.toLowerCase()).toContain('sourdough');
		} finally {
			await first.stop();
		}

		const after = knexFactory({ client: 'sqlite3', connection: { filename: file }, useNullAsDefault: true });
		try {
			const legacy = await after('ml_chunks').where('collection', 'legacy_posts').orderBy('chunk_index');
			expect(legacy.map((r: { content: string }) => r.content)).toEqual(['first legacy chunk', 'second legacy chunk']);
			expect(await after('directus_collections').where('collection', 'ml_chunks').first()).toBeUndefined();
			expect(await after('directus_fields').where('collection', 'ml_chunks')).toEqual([]);
			expect(await after('directus_relations').where('many_collection', 'ml_chunks')).toEqual([]);
			expect(await after('directus_presets').where('collection', 'ml_chunks')).toEqual([]);
			// The foreign key is gone (an excluded table's foreign key would still reach Directus's schema).
			expect(await after.raw('PRAGMA foreign_key_list(ml_chunks)')).toEqual([]);
			await after('ml_documents').where('collection', 'legacy_posts').delete();
		} finally {
			await after.destroy();
		}

		// Chunks of documents deleted while the suite was down are cleared at the next start.
		const second = await startDirectus({ sqliteFile: file, seedDemo: true });
		try {
			const left = knexFactory({ client: 'sqlite3', connection: { filename: file }, useNullAsDefault: true });
			try {
				expect(await left('ml_chunks').where('collection', 'legacy_posts')).toEqual([]);
				expect(Number((await left('ml_chunks').count({ n: '*' }))[0]?.n)).toBeGreaterThan(0);
			} finally {
				await left.destroy();
			}
			const schema = (await second.request('GET', '/ml/health')).body.services.schema;
			expect(schema.createdAtStartup).toEqual([]);
			expect(schema.unregisteredAtStartup).toEqual([]);
		} finally {
			await second.stop();
		}
	});
});
