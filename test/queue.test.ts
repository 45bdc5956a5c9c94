import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollection, eventually } from './support/content.js';
import { startDirectus, type DirectusInstance } from './support/directus.js';

// The queue admin API through a real Directus on the inline queue (the BullMQ path, with a
// standalone worker, is test/queue-e2e.test.ts).
const QUEUES = ['indexing', 'enrichment', 'transcription', 'training', 'evaluation', 'maintenance'];

describe('queue admin API (inline queue)', () => {
	let directus: DirectusInstance;
	let userToken: string;
	const ids: string[] = [];

	beforeAll(async () => {
		directus = await startDirectus({ env: { ML_QUEUE: 'inline' } });
		await createCollection(directus, 'notes', { title: 'string', body: 'text' });
		const index = await directus.request('POST', '/items/ml_indexes', { body: { name: 'notes', collection: 'notes', title_field: 'title', content_fields: ['body'] } });
		expect(index.status, index.text).toBe(200);
		for (const title of ['Alpha', 'Beta', 'Gamma']) {
			const res = await directus.request('POST', '/items/notes', { body: { title, body: `${title} is a note about queues and workers.` } });
			expect(res.status, res.text).toBe(200);
			ids.push(String(res.body.data.id));
		}
		userToken = await directus.createUser({ email: 'queue-reader@example.com', permissions: [{ collection: 'notes', action: 'read' }] });
	});
	afterAll(async () => {
		await directus?.stop();
	});

	const jobsOf = async (queue: string, state: string, extra = ''): Promise<any> => {
		const res = await directus.request('GET', `/ml/queues/${queue}/jobs?state=${state}&start=0&end=99${extra}`);
		expect(res.status, res.text).toBe(200);
		return res.body.data;
	};

	it('lists every queue with counts by state, paused and the backend', async () => {
		const res = await directus.request('GET', '/ml/queues');
		expect(res.status, res.text).toBe(200);
		expect(res.body.data.backend).toBe('inline');
		expect(res.body.data.deadLetters).toBe(0);
		expect(res.body.data.queues.map((q: any) => q.queue)).toEqual(QUEUES);
		// Each queue names the job types that run on it.
		const jobs = Object.fromEntries(res.body.data.queues.map((q: any) => [q.queue, q.jobs]));
		expect(jobs.indexing).toEqual(expect.arrayContaining(['index-items', 'reindex']));
		expect(jobs.maintenance).toContain('reconcile');
		expect(jobs.training).toEqual(['train-classifier']);
		expect(jobs.transcription).toEqual(['transcribe-file']);
		expect(jobs.evaluation).toEqual(['evaluate-search']);
		for (const q of res.body.data.queues) {
			expect(q.paused).toBe(false);
			expect(Object.keys(q.counts).sort()).toEqual(['active', 'completed', 'delayed', 'failed', 'paused', 'prioritized', 'waiting']);
		}
	});

	it('shows the indexing jobs items triggered as completed, linked to the real collection', async () => {
		const page = await eventually(async () => {
			const data = await jobsOf('indexing', 'completed');
			const items = data.jobs.filter((j: any) => j.name === 'index-items').flatMap((j: any) => j.data.keys);
			return ids.every((id) => items.includes(id)) ? data : null;
		}, 30_000, 'index-items jobs to complete');
		const job = page.jobs.find((j: any) => j.name === 'index-items' && j.data.keys[0] === ids[0]);
		expect(job).toMatchObject({ queue: 'indexing', state: 'completed', attemptsMade: 1 });
		expect(job.item.collection).toMatch(/^index:/);
		expect(job.linked).toEqual({ collection: 'notes', item: ids[0], index: 'notes', link: `/admin/content/notes/${ids[0]}` });
	});

	it('shows a reindex job with its logs, progress and result', async () => {
		const started = await directus.request('POST', '/ml/indexes/notes/reindex', { body: { force: true } });
		expect(started.status, started.text).toBe(202);
		const id = started.body.data.job as string;
		const detail = await eventually(async () => {
			const res = await directus.request('GET', `/ml/queues/indexing/jobs/${id}`);
			return res.status === 200 && res.body.data.state === 'completed' ? res.body.data : null;
		}, 30_000, 'reindex to complete');
		expect(detail).toMatchObject({ id, name: 'reindex', data: { force: true }, failedReason: null, stacktrace: [] });
		expect(detail.progress).toMatchObject({ percent: 100, processed: 3, total: 3 });
		expect(detail.logs[0]).toContain('Reindexing "notes"');
		expect(detail.logs.at(-1)).toMatch(/^Done: 3 indexed/);
		expect(detail.returnValue.result.indexed).toBe(3);
		expect(detail.options).toHaveProperty('attempts', 3);
		expect(detail.processedAt).not.toBeNull();

		// Searching matches job data too: only this reindex was forced (the index's creation scheduled another).
		const found = await jobsOf('indexing', 'completed', `&search=${encodeURIComponent('"force":true')}`);
		expect(found.search).toBe('"force":true');
		expect(found.jobs.map((j: any) => j.id)).toEqual([id]);
		const reindexes = await jobsOf('indexing', 'completed', '&search=REINDEX');
		expect(reindexes.jobs.every((j: any) => j.name === 'reindex')).toBe(true);
		expect(reindexes.jobs.map((j: any) => j.id)).toContain(id);
	});

	it('reports throughput per minute and validates the window', async () => {
		const res = await directus.request('GET', '/ml/queues/throughput?minutes=5');
		expect(res.status, res.text).toBe(200);
		expect(res.body.data.map((q: any) => q.queue)).toEqual(QUEUES);
		const indexing = res.body.data.find((q: any) => q.queue === 'indexing');
		expect(indexing.points).toHaveLength(5);
		expect(indexing.points.reduce((n: number, p: any) => n + p.completed, 0)).toBeGreaterThanOrEqual(2);

		const bad = await directus.request('GET', '/ml/queues/throughput?minutes=0');
		expect(bad.status).toBe(400);
		expect(bad.body.errors[0].message).toContain('"minutes"');
	});

	it('answers 400 naming bad list parameters and 404 for an unknown queue or job', async () => {
		const state = await directus.request('GET', '/ml/queues/indexing/jobs?state=sleeping');
		expect(state.status).toBe(400);
		expect(state.body.errors[0].message).toContain('"state"');
		const range = await directus.request('GET', '/ml/queues/indexing/jobs?state=completed&start=10&end=2');
		expect(range.status).toBe(400);
		expect(range.body.errors[0].extensions.field).toBe('end');
		expect((await directus.request('GET', '/ml/queues/nope/jobs')).status).toBe(404);
		expect((await directus.request('GET', '/ml/queues/indexing/jobs/does-not-exist')).status).toBe(404);
	});

	it('enqueues any registered job through POST /jobs, validating name and payload', async () => {
		const ok = await directus.request('POST', '/ml/jobs', { body: { name: 'reconcile', data: { olderThanSeconds: 0 }, priority: 'high' } });
		expect(ok.status, ok.text).toBe(201);
		expect(ok.body.data).toEqual({ id: expect.any(String), name: 'reconcile', queue: 'maintenance' });
		await eventually(async () => (await directus.request('GET', `/ml/queues/maintenance/jobs/${ok.body.data.id}`)).body.data?.state === 'completed', 20_000, 'reconcile job');

		const payload = await directus.request('POST', '/ml/jobs', { body: { name: 'index-items', data: { indexId: 'x', keys: 'not-a-list' } } });
		expect(payload.status).toBe(400);
		expect(payload.body.errors[0].message).toContain('"data.keys"');
		expect(payload.body.errors[0].extensions.problems.map((p: any) => p.field)).toEqual(['data.keys']);

		const missing = await directus.request('POST', '/ml/jobs', { body: { name: 'reindex' } });
		expect(missing.status).toBe(400);
		expect(missing.body.errors[0].extensions.problems[0].field).toBe('data');

		const unknown = await directus.request('POST', '/ml/jobs', { body: { name: 'launch-rockets', data: {} } });
		expect(unknown.status).toBe(400);
		expect(unknown.body.errors[0].extensions.field).toBe('name');
		expect(unknown.body.errors[0].message).toContain('reindex');

		const priority = await directus.request('POST', '/ml/jobs', { body: { name: 'reconcile', data: {}, priority: 'urgent' } });
		expect(priority.status).toBe(400);
		expect(priority.body.errors[0].message).toContain('"priority"');
	});

	it('promotes a delayed job, removes another, and refuses actions in the wrong state', async () => {
		const delayed = await directus.request('POST', '/ml/jobs', { body: { name: 'reconcile', data: {}, delayMs: 3_600_000 } });
		expect(delayed.status, delayed.text).toBe(201);
		const id = delayed.body.data.id as string;
		expect((await directus.request('GET', `/ml/queues/maintenance/jobs/${id}`)).body.data.state).toBe('delayed');
		expect((await jobsOf('maintenance', 'delayed')).jobs.map((j: any) => j.id)).toContain(id);

		const promoted = await directus.request('POST', `/ml/queues/maintenance/jobs/${id}/promote`);
		expect(promoted.status, promoted.text).toBe(200);
		expect(promoted.body.data.state).not.toBe('delayed');
		await eventually(async () => (await directus.request('GET', `/ml/queues/maintenance/jobs/${id}`)).body.data?.state === 'completed', 20_000, 'promoted job to run');
		const again = await directus.request('POST', `/ml/queues/maintenance/jobs/${id}/promote`);
		expect(again.status).toBe(409);
		expect((await directus.request('POST', `/ml/queues/maintenance/jobs/${id}/retry`)).status).toBe(409);

		const doomed = await directus.request('POST', '/ml/jobs', { body: { name: 'reconcile', data: {}, delayMs: 3_600_000 } });
		const removed = await directus.request('DELETE', `/ml/queues/maintenance/jobs/${doomed.body.data.id}`);
		expect(removed.status).toBe(204);
		expect((await directus.request('GET', `/ml/queues/maintenance/jobs/${doomed.body.data.id}`)).status).toBe(404);
	});

	it('pauses and resumes a queue', async () => {
		const paused = await directus.request('POST', '/ml/queues/maintenance/pause');
		expect(paused.status, paused.text).toBe(200);
		expect(paused.body.data).toMatchObject({ queue: 'maintenance', paused: true });
		const job = await directus.request('POST', '/ml/jobs', { body: { name: 'reconcile', data: {} } });
		expect((await directus.request('GET', `/ml/queues/maintenance/jobs/${job.body.data.id}`)).body.data.state).toBe('waiting');

		const resumed = await directus.request('POST', '/ml/queues/maintenance/resume');
		expect(resumed.body.data.paused).toBe(false);
		await eventually(async () => (await directus.request('GET', `/ml/queues/maintenance/jobs/${job.body.data.id}`)).body.data?.state === 'completed', 20_000, 'job to run after resume');
	});

	it('retries all failed (none here) and cleans completed jobs', async () => {
		const retried = await directus.request('POST', '/ml/queues/indexing/retry-failed');
		expect(retried.status).toBe(200);
		expect(retried.body.data).toEqual({ queue: 'indexing', retried: 0 });

		const before = (await jobsOf('indexing', 'completed')).total as number;
		expect(before).toBeGreaterThan(0);
		const cleaned = await directus.request('POST', '/ml/queues/indexing/clean', { body: { state: 'completed', olderThanMs: 0 } });
		expect(cleaned.status, cleaned.text).toBe(200);
		expect(cleaned.body.data.removed).toHaveLength(before);
		expect((await jobsOf('indexing', 'completed')).total).toBe(0);

		const bad = await directus.request('POST', '/ml/queues/indexing/clean', { body: { state: 'active', olderThanMs: -1 } });
		expect(bad.status).toBe(400);
		expect(bad.body.errors[0].extensions.problems.map((p: any) => p.field).sort()).toEqual(['olderThanMs', 'state']);
	});

	it('lists dead letters and workers; unknown dead letters are 404', async () => {
		const dead = await directus.request('GET', '/ml/dead-letter');
		expect(dead.status).toBe(200);
		expect(dead.body.data).toEqual({ total: 0, start: 0, end: 19, entries: [] });
		expect((await directus.request('POST', '/ml/dead-letter/nope/requeue')).status).toBe(404);
		expect((await directus.request('DELETE', '/ml/dead-letter/nope')).status).toBe(404);

		const workers = await directus.request('GET', '/ml/workers');
		expect(workers.status).toBe(200);
		expect(Array.isArray(workers.body.data)).toBe(true);
		expect((await directus.request('GET', '/ml/workers?queue=nope')).status).toBe(404);
	});

	const ADMIN_ROUTES: [string, string, unknown?][] = [
		['GET', '/ml/queues'],
		['GET', '/ml/queues/throughput'],
		['GET', '/ml/queues/indexing'],
		['GET', '/ml/queues/indexing/jobs'],
		['GET', '/ml/queues/indexing/jobs/1'],
		['POST', '/ml/queues/indexing/jobs/1/retry'],
		['POST', '/ml/queues/indexing/jobs/1/promote'],
		['DELETE', '/ml/queues/indexing/jobs/1'],
		['POST', '/ml/queues/indexing/retry-failed'],
		['POST', '/ml/queues/indexing/pause'],
		['POST', '/ml/queues/indexing/resume'],
		['POST', '/ml/queues/indexing/clean', { state: 'completed', olderThanMs: 0 }],
		['GET', '/ml/dead-letter'],
		['POST', '/ml/dead-letter/1/requeue'],
		['DELETE', '/ml/dead-letter/1'],
		['GET', '/ml/workers'],
		['GET', '/ml/schedulers'],
		['POST', '/ml/jobs', { name: 'reconcile', data: {} }],
	];

	it('refuses non-admins (403) and anonymous callers (401) on every queue route, changing nothing', async () => {
		for (const [method, path, body] of ADMIN_ROUTES) {
			const asUser = await directus.request(method, path, { token: userToken, body });
			expect(asUser.status, `${method} ${path} as user`).toBe(403);
			const anonymous = await directus.request(method, path, { token: null, body });
			expect(anonymous.status, `${method} ${path} anonymously`).toBe(401);
		}
		const overview = await directus.request('GET', '/ml/queues');
		expect(overview.body.data.queues.find((q: any) => q.queue === 'indexing').paused).toBe(false);
	});

	it('publishes the queue routes in the OpenAPI document', async () => {
		const res = await directus.request('GET', '/ml/openapi.json');
		expect(res.status).toBe(200);
		const paths = Object.keys(res.body.paths ?? {});
		expect(paths.some((p) => p.includes('/queues'))).toBe(true);
		expect(paths.some((p) => p.endsWith('/jobs'))).toBe(true);
	});
});
