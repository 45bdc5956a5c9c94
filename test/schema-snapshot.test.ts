import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { directusCommand, freshSqliteFile, startDirectus } from './support/directus.js';

const SNAPSHOT = join(import.meta.dirname, '..', 'snapshots', 'ml-suite.json');

describe('snapshots/ml-suite.json', () => {
	it('holds only the suite collections', () => {
		const snapshot = JSON.parse(readFileSync(SNAPSHOT, 'utf8'));
		const names = snapshot.collections.map((c: { collection: string }) => c.collection).sort();
		expect(names).toEqual(['ml_budgets', 'ml_documents', 'ml_enrichment_items', 'ml_enrichments', 'ml_eval_runs', 'ml_eval_sets', 'ml_indexes', 'ml_models', 'ml_prompts', 'ml_rag_documents', 'ml_suite', 'ml_transcripts', 'ml_usage']);
		expect(snapshot.fields.every((f: { collection: string }) => f.collection.startsWith('ml_'))).toBe(true);
	});

	it('applied with `directus schema apply`, is exactly what the suite creates at start-up', async () => {
		const { file, env } = await freshSqliteFile('snapshot');
		directusCommand(['schema', 'apply', '--yes', SNAPSHOT], env);
		const directus = await startDirectus({ sqliteFile: file });
		try {
			const health = await directus.request('GET', '/ml/health');
			expect(health.body.services.schema).toMatchObject({ status: 'ok', createdAtStartup: [] });
			const collections = await directus.request('GET', '/collections');
			expect(collections.body.data.map((c: { collection: string }) => c.collection)).toEqual(expect.arrayContaining(['ml_models', 'ml_indexes', 'ml_usage']));
		} finally {
			await directus.stop();
		}
	});

	it('a fresh database gets the same collections at start-up, and a second start creates nothing', async () => {
		const { file } = await freshSqliteFile('startup');
		const first = await startDirectus({ sqliteFile: file });
		try {
			const health = await first.request('GET', '/ml/health');
			expect(health.body.services.schema.createdAtStartup).toEqual(expect.arrayContaining(['ml_models', 'ml_indexes', 'ml_usage', 'ml_prompts']));
		} finally {
			await first.stop();
		}
		const second = await startDirectus({ sqliteFile: file });
		try {
			expect((await second.request('GET', '/ml/health')).body.services.schema.createdAtStartup).toEqual([]);
		} finally {
			await second.stop();
		}
	});
});
