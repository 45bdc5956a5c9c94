import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import demo from '../snapshots/demo-content.json' with { type: 'json' };
import { ARTICLE_CATEGORIES } from '../extensions/ml-suite/src/api/schema/demo-collections.js';
import { createCollection, eventually } from './support/content.js';
import { startDirectus, type DirectusInstance } from './support/directus.js';

/**
 * The model registry's admin routes and classifiers trained on CMS labels, on a real Directus
 * with the demo articles: guards, a training job through the queue, versions in the database,
 * activation and rollback, and the active version answering /ml/analysis/classify and an
 * enrichment pipeline.
 */
describe('ML models: registry actions and classifiers trained on CMS labels', () => {
	let directus: DirectusInstance;
	let userToken: string;
	let classifierId: string;
	const TRAIN = { collection: 'articles', textFields: ['title', 'body'], labelField: 'category', testRatio: 0.25, minExamplesPerClass: 3 };

	const versions = async (): Promise<any[]> => {
		const res = await directus.request('GET', `/ml/models/${classifierId}/versions`);
		expect(res.status, res.text).toBe(200);
		return res.body.versions;
	};
	const trained = (n: number): Promise<any> =>
		eventually(async () => {
			const v = (await versions()).find((x) => x.version === n);
			if (v?.status === 'failed') throw new Error(`training failed: ${v.error}`);
			return v?.status === 'ready' ? v : null;
		}, 90_000, `version ${n} trained`);

	beforeAll(async () => {
		directus = await startDirectus({ seedDemo: true, env: { ML_USAGE_FLUSH_MS: '200', ML_CLASSIFIER_KEEP_VERSIONS: '2' } });
		userToken = await directus.createUser({ email: 'models-reader@example.com', permissions: [{ collection: 'ml_models', action: 'read' }] });
		const res = await directus.request('POST', '/items/ml_models', { body: { name: 'Article topics', task: 'classification', provider: 'local', model_id: 'article-topics' } });
		expect(res.status, res.text).toBe(200);
		classifierId = res.body.data.id;
		await createCollection(directus, 'notes', { body: 'text', label: 'string', predicted: 'string' });
	}, 420_000);
	afterAll(async () => {
		await directus?.stop();
	});

	it('is admin-only: 401 without a token, 403 for a user who can read ml_models', async () => {
		expect((await directus.request('GET', '/ml/models', { token: null })).status).toBe(401);
		expect((await directus.request('GET', '/ml/models', { token: userToken })).status).toBe(403);
		expect((await directus.request('POST', `/ml/models/${classifierId}/train`, { token: userToken, body: TRAIN })).status).toBe(403);
	});

	it('tests the default embedding model with a real call and shows the result in the list', async () => {
		const list = (await directus.request('GET', '/ml/models')).body.models as any[];
		const embedding = list.find((m) => m.task === 'embedding' && m.isDefault);
		expect(embedding.health).toBe('untested');
		const res = await directus.request('POST', `/ml/models/${embedding.id}/test`);
		expect(res.status, res.text).toBe(200);
		expect(res.body).toMatchObject({ ok: true, dimensions: embedding.dimensions });
		expect(res.body.latencyMs).toBeGreaterThanOrEqual(0);
		const after = ((await directus.request('GET', '/ml/models')).body.models as any[]).find((m) => m.id === embedding.id);
		expect(after.health).toBe('healthy');
		expect(after.lastTest.testedAt).toBe(res.body.testedAt);
		// An unknown model: the same answer as for one the caller cannot read.
		const missing = await directus.request('POST', '/ml/models/00000000-0000-0000-0000-000000000000/test');
		expect(missing.status).toBe(404);
		expect(missing.text).toContain('does not exist or you cannot read it');
	});

	it('refuses training before any job exists when the labels cannot train a classifier, naming the problem', async () => {
		const post = async (body: unknown, id = classifierId) => {
			const res = await directus.request('POST', `/ml/models/${id}/train`, { body });
			return { status: res.status, text: String(res.body?.errors?.[0]?.message ?? res.text) };
		};
		const notes = (rows: { body: string; label: string | null }[]) => directus.request('POST', '/items/notes', { body: rows });
		const NOTES = { collection: 'notes', textFields: ['body'], labelField: 'label' };

		let res = await post(NOTES);
		expect(res.status).toBe(400);
		expect(res.text).toContain('nothing to learn from');

		expect((await notes([{ body: 'one', label: 'a' }, { body: 'two', label: 'a' }, { body: 'three', label: 'a' }, { body: 'four', label: null }])).status).toBe(200);
		res = await post(NOTES);
		expect(res.status).toBe(400);
		expect(res.text).toContain('at least two classes');

		expect((await notes([{ body: 'five', label: 'b' }])).status).toBe(200);
		res = await post(NOTES);
		expect(res.status).toBe(400);
		expect(res.text).toContain('"b" has 1');

		res = await post({ ...NOTES, labelField: 'nope' });
		expect(res.status).toBe(400);
		expect(res.text).toContain('has no field "nope"');
		res = await post({ ...NOTES, textFields: [] });
		expect(res.status).toBe(400);
		expect(res.text).toContain('textFields');
		const list = (await directus.request('GET', '/ml/models')).body.models as any[];
		res = await post(TRAIN, list.find((m) => m.task === 'embedding').id);
		expect(res.status).toBe(400);
		expect(res.text).toContain('only classification models can be trained');
		expect(await versions()).toEqual([]);
	});

	it('trains on the demo articles\' categories through the queue and the first version answers /ml/analysis/classify', async () => {
		const res = await directus.request('POST', `/ml/models/${classifierId}/train`, { body: TRAIN });
		expect(res.status, res.text).toBe(202);
		expect(res.body.job.queue).toBe('training');
		expect(Object.keys(res.body.classes).sort()).toEqual([...ARTICLE_CATEGORIES].sort());
		const v1 = await trained(1);
		expect(v1.active).toBe(true);
		expect(v1.trainSize + v1.testSize).toBe(demo.articles.length);
		expect(v1.testSize).toBe(ARTICLE_CATEGORIES.length);
		expect(v1.metrics.labels.sort()).toEqual([...ARTICLE_CATEGORIES].sort());
		expect(v1.metrics.confusion.flat().reduce((a: number, b: number) => a + b, 0)).toBe(v1.testSize);
		expect(v1.metrics.perClass).toHaveLength(ARTICLE_CATEGORIES.length);
		expect(typeof v1.metrics.macroF1).toBe('number');
		expect(v1.trainingMs).toBeGreaterThanOrEqual(0);

		const article = demo.articles.find((a) => a.category === 'food')!;
		const classify = await directus.request('POST', '/ml/analysis/classify', { body: { text: `${article.title}\n\n${article.body}`, model: 'article-topics' } });
		expect(classify.status, classify.text).toBe(200);
		expect(classify.body.model).toBe('article-topics@v1');
		expect(classify.body.classifications).toHaveLength(ARTICLE_CATEGORIES.length);
		expect(ARTICLE_CATEGORIES).toContain(classify.body.labels[0]);
		expect(classify.body.textPreview).toBe(`${article.title}\n\n${article.body}`.slice(0, 200));

		// Without a trained model, categories are still required (zero-shot).
		const zeroShot = await directus.request('POST', '/ml/analysis/classify', { body: { text: 'hello' } });
		expect(zeroShot.status).toBe(400);
		expect(zeroShot.text).toContain('categories');

		const test = await directus.request('POST', `/ml/models/${classifierId}/test`);
		expect(test.body.ok, test.text).toBe(true);
		expect(test.body.sample).toMatch(/%/);
	});

	it('keeps versions in the database: a second run waits for activation; activate and roll back switch the answering version', async () => {
		const res = await directus.request('POST', `/ml/models/${classifierId}/train`, { body: { ...TRAIN, features: 'tfidf+embedding' } });
		expect(res.status, res.text).toBe(202);
		const v2 = await trained(2);
		expect(v2.active).toBe(false);
		expect(v2.spec.features).toBe('tfidf+embedding');

		const activate = await directus.request('POST', `/ml/models/${classifierId}/versions/2/activate`);
		expect(activate.status, activate.text).toBe(200);
		expect((await versions()).map((v) => [v.version, v.active])).toEqual([
			[2, true],
			[1, false],
		]);
		const classify = async () => (await directus.request('POST', '/ml/analysis/classify', { body: { text: 'A new vaccine trial in hospitals', model: classifierId } })).body.model;
		expect(await classify()).toBe('article-topics@v2');

		const rollback = await directus.request('POST', `/ml/models/${classifierId}/rollback`);
		expect(rollback.status, rollback.text).toBe(200);
		expect(rollback.body.version.version).toBe(1);
		expect(await classify()).toBe('article-topics@v1');
		const again = await directus.request('POST', `/ml/models/${classifierId}/rollback`);
		expect(again.status).toBe(400);
		expect(again.text).toContain('no trained version older than the active version 1');
		expect((await directus.request('POST', `/ml/models/${classifierId}/versions/9/activate`)).status).toBe(404);

		const evaluation = await directus.request('POST', `/ml/models/${classifierId}/evaluate`, { body: {} });
		expect(evaluation.status, evaluation.text).toBe(200);
		expect(evaluation.body.version).toBe(1);
		expect(evaluation.body.metrics.size).toBe(demo.articles.length);
	});

	it('an enrichment pipeline classifies with the active version', async () => {
		const res = await directus.request('POST', '/items/ml_enrichments', {
			body: { name: 'Note topics', collection: 'notes', source_fields: ['body'], targets: [{ analysis: 'classification', field: 'predicted', options: { classifier: 'article-topics' } }] },
		});
		expect(res.status, res.text).toBe(200);
		const article = demo.articles.find((a) => a.category === 'travel')!;
		const created = await directus.request('POST', '/items/notes', { body: { body: article.body } });
		expect(created.status, created.text).toBe(200);
		const row = await eventually(async () => {
			const r = (await directus.request('GET', `/items/notes/${created.body.data.id}`)).body.data;
			return r.predicted ? r : null;
		}, 30_000, 'enrichment with the classifier');
		expect(ARTICLE_CATEGORIES).toContain(row.predicted);
		const usage = await eventually(async () => {
			const rows = (await directus.request('GET', `/items/ml_usage?filter[model][_starts_with]=article-topics@v&filter[collection][_eq]=notes`)).body.data;
			return rows.length > 0 ? rows : null;
		}, 20_000, 'usage of the classifier');
		expect(usage[0].capability).toBe('classification');
	});

	it('retrains automatically after N new labels written through the API, and keeps only the newest versions plus the active one', async () => {
		await createCollection(directus, 'tickets', { body: 'text', queue: 'string' });
		const tickets = (n: number, offset = 0) =>
			Array.from({ length: n }, (_, i) => (i + offset) % 2 === 0 ? { body: `The invoice ${i + offset} was charged twice, refund the payment`, queue: 'billing' } : { body: `The app crashes on login ${i + offset}, error on start`, queue: 'bugs' });
		expect((await directus.request('POST', '/items/tickets', { body: tickets(8) })).status).toBe(200);
		const model = await directus.request('POST', '/items/ml_models', { body: { name: 'Ticket queues', task: 'classification', provider: 'local', model_id: 'ticket-queues' } });
		expect(model.status, model.text).toBe(200);
		const id = model.body.data.id as string;
		const list = async () => (await directus.request('GET', `/ml/models/${id}/versions`)).body.versions as any[];
		const ready = (n: number) =>
			eventually(async () => {
				const v = (await list()).find((x) => x.version === n);
				if (v?.status === 'failed') throw new Error(`training failed: ${v.error}`);
				return v?.status === 'ready' ? v : null;
			}, 90_000, `ticket classifier version ${n}`);

		const bad = await directus.request('POST', `/ml/models/${id}/train`, { body: { collection: 'tickets', textFields: ['body'], labelField: 'queue', retrainAfterNewLabels: 0 } });
		expect(bad.status).toBe(400);
		expect(bad.text).toContain('retrainAfterNewLabels');
		const res = await directus.request('POST', `/ml/models/${id}/train`, { body: { collection: 'tickets', textFields: ['body'], labelField: 'queue', testRatio: 0.25, retrainAfterNewLabels: 3 } });
		expect(res.status, res.text).toBe(202);
		expect((await ready(1)).active).toBe(true);

		// Two labelled items and one without a label: not enough.
		expect((await directus.request('POST', '/items/tickets', { body: [...tickets(2, 8), { body: 'no queue yet', queue: null }] })).status).toBe(200);
		await new Promise((r) => setTimeout(r, 1500));
		expect((await list()).map((v) => v.version)).toEqual([1]);
		// Labelling the unlabelled one is the third new label: version 2 trains on its own, waiting for activation.
		const unlabelled = (await directus.request('GET', '/items/tickets?filter[queue][_null]=true')).body.data[0].id;
		expect((await directus.request('PATCH', `/items/tickets/${unlabelled}`, { body: { queue: 'bugs' } })).status).toBe(200);
		const v2 = await ready(2);
		expect(v2.active).toBe(false);
		expect(v2.trainSize + v2.testSize).toBe(11);
		expect(v2.spec.retrainAfterNewLabels).toBe(3);

		expect((await directus.request('POST', '/items/tickets', { body: tickets(3, 20) })).status).toBe(200);
		await ready(3);
		expect((await directus.request('POST', '/items/tickets', { body: tickets(3, 30) })).status).toBe(200);
		await ready(4);
		// ML_CLASSIFIER_KEEP_VERSIONS=2: the newest two and the active v1; v2 is gone with its weights.
		expect((await list()).map((v) => [v.version, v.active])).toEqual([
			[4, false],
			[3, false],
			[1, true],
		]);
		expect((await directus.request('POST', `/ml/models/${id}/versions/2/activate`)).status).toBe(404);
	});

	it('shows a model with versions, recent usage and its change history', async () => {
		await directus.request('PATCH', `/items/ml_models/${classifierId}`, { body: { description: 'Topics of the demo articles' } });
		const res = await directus.request('GET', `/ml/models/${classifierId}`);
		expect(res.status, res.text).toBe(200);
		expect(res.body.versions.map((v: any) => v.version)).toEqual([2, 1]);
		expect(res.body.recentUsage.length).toBeGreaterThan(0);
		expect(res.body.history.map((h: any) => h.action)).toEqual(['update', 'create']);
		expect(res.body.history[0].delta).toMatchObject({ description: 'Topics of the demo articles' });
		expect(res.body.history[0].user).toBeTruthy();
	});
});
