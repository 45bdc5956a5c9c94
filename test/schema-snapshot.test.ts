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

	it('translates the notes and names an install made before translations left untouched, and keeps what an admin changed', async () => {
		const { file } = await freshSqliteFile('upgrade-translations');
		const note = 'The id the provider knows, e.g. text-embedding-3-small or nomic-embed-text.';
		const first = await startDirectus({ sqliteFile: file });
		try {
			// As the suite created these fields before it translated them, and one an admin reworded.
			for (const [field, meta] of [
				['model_id', { note, translations: null }],
				['base_url', { note: 'Our Ollama box: http://gpu-1:11434/v1', translations: null }],
			] as const) {
				const res = await first.request('PATCH', `/fields/ml_models/${field}`, { body: { meta } });
				expect(res.status, res.text).toBe(200);
			}
		} finally {
			await first.stop();
		}
		const second = await startDirectus({ sqliteFile: file });
		try {
			const fields = (await second.request('GET', '/fields/ml_models')).body.data as { field: string; meta: { note: string | null; translations: { language: string; translation: string }[] | null } }[];
			const modelId = fields.find((f) => f.field === 'model_id')!;
			expect(modelId.meta.note).toMatch(/^\$t:ml_suite_the_id_the_provider_[0-9a-f]{8}$/);
			expect(modelId.meta.translations).toEqual([{ language: 'de-DE', translation: 'Modell-ID' }]);
			const key = modelId.meta.note!.slice(3);
			const rows = (await second.request('GET', `/translations?filter[key][_eq]=${key}&sort=language`)).body.data as { language: string; value: string }[];
			expect(rows.map((r) => [r.language, r.value])).toEqual([
				['de-DE', 'Die ID, die der Anbieter kennt, z. B. text-embedding-3-small oder nomic-embed-text.'],
				['en-US', note],
			]);
			const baseUrl = fields.find((f) => f.field === 'base_url')!;
			expect(baseUrl.meta.note).toBe('Our Ollama box: http://gpu-1:11434/v1');
			expect(baseUrl.meta.translations).toEqual([{ language: 'de-DE', translation: 'Basis-URL' }]);
		} finally {
			await second.stop();
		}
	});
});
