import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import demo from '../snapshots/demo-content.json' with { type: 'json' };
import { startDirectus, TMP_ROOT, type DirectusInstance } from './support/directus.js';
import { skipUnless } from './support/services.js';
import { eventually } from './support/content.js';
import { join } from 'node:path';

const ML_COLLECTIONS = ['ml_models', 'ml_indexes', 'ml_documents', 'ml_usage', 'ml_prompts'];

function describeFoundation(database: 'sqlite' | 'postgres', skip: boolean): void {
	describe.skipIf(skip)(`foundation on ${database}`, () => {
		let directus: DirectusInstance;

		beforeAll(async () => {
			directus = await startDirectus({ database, env: { ML_CHUNK_SIZE: 'lots' } });
		});
		afterAll(async () => {
			await directus?.stop();
		});

		it('serves liveness without a token', async () => {
			const res = await directus.request('GET', '/ml/health/live', { token: null });
			expect(res.status).toBe(200);
			expect(res.body.live).toBe(true);
			expect(Date.parse(res.body.timestamp)).not.toBeNaN();
		});

		it('rejects anonymous calls to protected routes with 401 in Directus error format', async () => {
			for (const path of ['/ml/health', '/ml/health/ready']) {
				const res = await directus.request('GET', path, { token: null });
				expect(res.status).toBe(401);
				expect(res.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
			}
		});

		it('reports health with the database and the config, without secrets', async () => {
			const res = await directus.request('GET', '/ml/health');
			expect(res.status).toBe(200);
			expect(res.body.services.database.status).toBe('ok');
			expect(res.body.services.database.message).toBe(database === 'sqlite' ? 'sqlite3' : 'pg');
			expect(res.body.config.ML_VECTOR_STORE).toBe('embedded');
			expect(res.text).not.toContain('test-secret-not-for-production');
			const ready = await directus.request('GET', '/ml/health/ready');
			expect(ready.status).toBe(200);
			expect(ready.body.ready).toBe(true);
		});

		it('reports an invalid ML_* value by name and keeps serving with the default', async () => {
			const res = await directus.request('GET', '/ml/health');
			expect(res.body.status).toBe('degraded');
			expect(res.body.configIssues).toEqual([expect.objectContaining({ variable: 'ML_CHUNK_SIZE', value: 'lots' })]);
			expect(res.body.config.ML_CHUNK_SIZE).toBe(1000);
			expect(directus.logs()).toContain('ML_CHUNK_SIZE');
		});

		it('applies the ml_* collections with admin-app metadata', async () => {
			const res = await directus.request('GET', '/collections');
			expect(res.status).toBe(200);
			const byName = new Map<string, any>(res.body.data.map((c: any) => [c.collection, c]));
			for (const name of ML_COLLECTIONS) {
				const collection = byName.get(name);
				expect(collection, name).toBeDefined();
				expect(collection.meta.icon).toBeTruthy();
				expect(collection.meta.note).toBeTruthy();
				expect(collection.meta.display_template).toBeTruthy();
				expect(collection.meta.group).toBe('ml_suite');
			}
			const fields = await directus.request('GET', '/fields/ml_models');
			const names = fields.body.data.map((f: any) => f.field);
			expect(names).toEqual(expect.arrayContaining(['provider', 'model_id', 'api_key_env', 'dimensions', 'is_default', 'input_price_per_million']));
			const relations = await directus.request('GET', '/relations/ml_documents');
			expect(relations.body.data.map((r: any) => `${r.field}->${r.related_collection}`)).toContain('index->ml_indexes');
		});

		it('puts the suite modules in the module bar', async () => {
			const settings = await directus.request('GET', '/settings?fields=module_bar');
			const ids = settings.body.data.module_bar.map((m: { id: string }) => m.id);
			expect(ids).toEqual(expect.arrayContaining(['content', 'ml-playground', 'ml-queue', 'settings']));
			expect(ids.indexOf('ml-playground')).toBeLessThan(ids.indexOf('settings'));
			// Directus 12's app has a Flows module in its default bar; 11 keeps flows under Settings.
			if (directus.major >= 12) expect(ids).toContain('flows');
			else expect(ids).not.toContain('flows');
		});

		it('keeps ml_* collections admin-only by default', async () => {
			const token = await directus.createUser({ email: `editor-${database}@example.com`, permissions: [] });
			const res = await directus.request('GET', '/items/ml_models', { token });
			expect(res.status).toBe(403);
			const admin = await directus.request('GET', '/items/ml_models');
			expect(admin.status).toBe(200);
		});

		it('authenticated non-admin users may call /ml/health', async () => {
			const token = await directus.createUser({ email: `viewer-${database}@example.com`, permissions: [] });
			const res = await directus.request('GET', '/ml/health', { token });
			expect(res.status).toBe(200);
			// Non-admins see only whether each service works, never messages or configuration.
			expect(res.body.services.directus).toEqual({ status: 'ok', required: expect.any(Boolean) });
			expect(JSON.stringify(res.body)).not.toContain('"message"');
			// The suite knows which Directus it runs on (version-specific behaviour depends on it).
			const admin = await directus.request('GET', '/ml/health');
			expect(admin.body.services.directus.message).toMatch(new RegExp(`^Directus ${directus.major}\\.\\d+\\.\\d+`));
		});
	});
}

describeFoundation('sqlite', false);
describeFoundation('postgres', await skipUnless('postgres'));

describe('demo content and restarts (sqlite)', () => {
	const file = join(TMP_ROOT, `restart-${process.pid}.db`);

	it('seeds the demo once and reuses the data on the next start', async () => {
		const first = await startDirectus({ seedDemo: true, sqliteFile: file });
		try {
			const articles = await first.request('GET', '/items/articles?aggregate[count]=*');
			expect(Number(articles.body.data[0].count)).toBe(demo.articles.length);
			const tasks = await first.request('GET', '/items/tasks?aggregate[count]=*');
			expect(Number(tasks.body.data[0].count)).toBe(demo.tasks.length);
			// The demo is indexed right away, so search and the Playground work on a fresh start.
			await eventually(async () => (await first.request('GET', '/ml/indexes/articles/coverage')).body.data?.documents.indexed === demo.articles.length, 60_000, 'demo articles indexed');
			const search = await first.request('POST', '/ml/search', { body: { query: 'sourdough hydration and gluten', indexes: ['articles'], limit: 1 } });
			expect(search.body.data[0].title.toLowerCase()).toContain('sourdough');
			// The demo's enrichment pipelines (issue 10) fill the articles' insights and the tasks'
			// complexity on a fresh start, through the queue, with no keys.
			const articleRows = await eventually(async () => {
				const rows = (await first.request('GET', '/items/articles?fields=id,category,ai_summary,keywords,sentiment,topic&limit=-1')).body.data as Record<string, any>[];
				return rows.every((r) => r.ai_summary && r.keywords?.length > 0 && r.sentiment && r.topic) ? rows : null;
			}, 120_000, 'demo articles enriched');
			expect(articleRows).toHaveLength(demo.articles.length);
			for (const row of articleRows) {
				expect(row.ai_summary.split(/\s+/).length).toBeLessThanOrEqual(60);
				expect(['positive', 'neutral', 'mixed', 'negative']).toContain(row.sentiment);
				expect(['technology', 'science', 'health', 'travel', 'food', 'business', 'culture', 'environment']).toContain(row.topic);
			}
			// Zero-shot into the 8 demo categories agrees with the editors' own category on most
			// articles (58% in bench/analysis.bench.ts; chance is 12.5%).
			expect(articleRows.filter((r) => r.topic === r.category).length).toBeGreaterThanOrEqual(demo.articles.length / 2);
			const taskRows = await eventually(async () => {
				const rows = (await first.request('GET', '/items/tasks?fields=id,title,complexity,story_points,estimated_hours&limit=-1')).body.data as Record<string, any>[];
				return rows.every((r) => r.complexity !== null && r.story_points !== null && r.estimated_hours !== null) ? rows : null;
			}, 60_000, 'demo tasks estimated');
			expect(taskRows).toHaveLength(demo.tasks.length);
			for (const row of taskRows) {
				expect([1, 2, 3, 4, 5]).toContain(row.complexity);
				expect([1, 3, 5, 8, 13]).toContain(row.story_points);
				expect(row.estimated_hours).toBeGreaterThan(0);
			}
			// Hours typed into the demo are kept; the pipeline fills the others.
			for (const task of demo.tasks.filter((t) => typeof t.estimated_hours === 'number')) {
				expect(taskRows.find((r) => r.title === task.title)?.estimated_hours).toBe(task.estimated_hours);
			}
			const pipelines = (await first.request('GET', '/ml/enrichments')).body.pipelines as { collection: string; counts: Record<string, number> }[];
			expect(Object.fromEntries(pipelines.map((p) => [p.collection, p.counts]))).toMatchObject({
				articles: { done: demo.articles.length, failed: 0, pending: 0 },
				tasks: { done: demo.tasks.length, failed: 0, pending: 0 },
			});
		} finally {
			await first.stop();
		}
		const second = await startDirectus({ seedDemo: true, sqliteFile: file });
		try {
			const articles = await second.request('GET', '/items/articles?aggregate[count]=*');
			expect(Number(articles.body.data[0].count)).toBe(demo.articles.length);
			const collections = await second.request('GET', '/collections');
			expect(collections.body.data.filter((c: any) => c.collection === 'ml_models')).toHaveLength(1);
		} finally {
			await second.stop();
		}
	});
});
