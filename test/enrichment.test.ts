import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCollection, eventually } from './support/content.js';
import { DIRECTUS_MAJOR, startDirectus, type DirectusInstance } from './support/directus.js';
import { skipUnless } from './support/services.js';

const TOPICS = [
	{ text: 'Technology', value: 'technology' },
	{ text: 'Sport', value: 'sport' },
	{ text: 'Food', value: 'food' },
];

const TECH = 'Vector databases explained. A vector database stores embeddings, lists of numbers that place similar texts near each other. When a query arrives, the database finds the nearest embeddings using an index. Teams pair a vector database with software search and data pipelines.';
const FOOD = 'A great little restaurant. The chef cooks wonderful dishes with fresh ingredients, and the recipes taste delicious. We loved the meal, the dessert and the friendly kitchen staff.';

// The whole file runs on SQLite and on PostgreSQL (the machine's real server): the pipelines'
// state rows, hashes, page-level batch writes and the suggestions' writes are database work.
function describeEnrichment(database: 'sqlite' | 'postgres', skip: boolean): void {
	describe.skipIf(skip)(`enrichment pipelines on a real Directus (${database})`, () => {
		let directus: DirectusInstance;
		let pipelineId: string;

		const item = async (id: number): Promise<Record<string, any>> => (await directus.request('GET', `/items/posts/${id}`)).body.data;
		const state = async (id: number): Promise<Record<string, any> | undefined> =>
			(await directus.request('GET', `/items/ml_enrichment_items?filter[enrichment][_eq]=${pipelineId}&filter[item][_eq]=${id}`)).body.data[0];
		const revisions = async (id: number): Promise<number> =>
			// PostgreSQL's count is a bigint, which Directus returns as a string.
			Number((await directus.request('GET', `/revisions?filter[collection][_eq]=posts&filter[item][_eq]=${id}&aggregate[count]=*`)).body.data[0].count);
		const create = async (body: Record<string, unknown>): Promise<number> => {
			const res = await directus.request('POST', '/items/posts', { body });
			expect(res.status, res.text).toBe(200);
			return res.body.data.id;
		};

		beforeAll(async () => {
			directus = await startDirectus({ database, env: { ML_USAGE_FLUSH_MS: '200', ML_ANALYSIS_MAX_CHARS: '5000', ML_ANALYSIS_MAX_CATEGORIES: '5' } });
			await createCollection(directus, 'posts', { title: 'string', body: 'text', summary: 'text', keywords: 'string', sentiment: 'string', note: 'string' });
			const topic = await directus.request('POST', '/fields/posts', {
				body: { field: 'topic', type: 'string', meta: { interface: 'select-dropdown', options: { choices: TOPICS } }, schema: {} },
			});
			expect(topic.status, topic.text).toBe(200);
			const res = await directus.request('POST', '/items/ml_enrichments', {
				body: {
					name: 'Post insights',
					collection: 'posts',
					source_fields: ['title', 'body'],
					targets: [
						{ analysis: 'summary', field: 'summary', options: { maxLength: 30 } },
						{ analysis: 'keywords', field: 'keywords', options: { maxKeywords: 4 } },
						{ analysis: 'sentiment', field: 'sentiment' },
						{ analysis: 'classification', field: 'topic', options: { descriptions: { technology: 'software, database, data, computer, search', sport: 'match, team, player, goal', food: 'restaurant, chef, recipe, dish, meal' } } },
					],
				},
			});
			expect(res.status, res.text).toBe(200);
			pipelineId = res.body.data.id;
		});
		afterAll(async () => {
			await directus?.stop();
		});

		it('fills the target fields after a create, through ItemsService (a revision), without blocking the save', async () => {
			const id = await create({ title: 'Vector databases', body: `<p>${TECH}</p>` });
			const filled = await eventually(async () => {
				const row = await item(id);
				return row.summary && row.topic ? row : null;
			}, 30_000, 'enrichment of a new item');
			expect(filled.summary.split(/\s+/).length).toBeLessThanOrEqual(30);
			expect(filled.topic).toBe('technology');
			expect(filled.keywords).toContain('vector database');
			expect(['positive', 'neutral', 'negative', 'mixed']).toContain(filled.sentiment);
			const done = await state(id);
			expect(done?.status).toBe('done');
			expect(done?.written.topic).toBe('technology');
			// One revision for the create and one for the suite's write.
			expect(await revisions(id)).toBe(2);
		});

		it('re-runs on an update of a source field, not on other fields or on its own writes', async () => {
			const id = await create({ title: 'Dinner', body: FOOD });
			await eventually(async () => (await state(id))?.status === 'done', 30_000, 'first enrichment');
			const first = await item(id);
			expect(first.topic).toBe('food');
			expect(first.sentiment).toBe('positive');

			// A non-source field: no run (the state row is not touched).
			const before = await state(id);
			await directus.request('PATCH', `/items/posts/${id}`, { body: { note: 'checked' } });
			// A later item's enrichment is a sync point: the queue has processed everything before it.
			const marker = await create({ title: 'Marker', body: TECH });
			await eventually(async () => (await state(marker))?.status === 'done', 30_000, 'marker enrichment');
			expect((await state(id))?.date_enriched).toBe(before?.date_enriched);
			// create + suite write + the note update: the suite's write did not trigger another write.
			expect(await revisions(id)).toBe(3);

			await directus.request('PATCH', `/items/posts/${id}`, { body: { body: 'Terrible food, rude staff and a dirty kitchen. The worst restaurant meal ever; never again.' } });
			const updated = await eventually(async () => {
				const row = await item(id);
				return row.sentiment === 'negative' ? row : null;
			}, 30_000, 'enrichment after a source update');
			expect(updated.summary).toContain('Terrible food');
			expect(await revisions(id)).toBe(5);
		});

		it('keeps a value an editor set by hand and records it', async () => {
			const id = await create({ title: 'Sports day', body: 'The team won the match with a late goal. The player of the season scored twice and the coach was delighted.' });
			await eventually(async () => (await state(id))?.status === 'done', 30_000, 'first enrichment');
			await directus.request('PATCH', `/items/posts/${id}`, { body: { summary: 'Written by the editor.' } });
			await directus.request('PATCH', `/items/posts/${id}`, { body: { body: 'The team lost the match. The player was injured and the coach was angry about the referee.' } });
			const kept = await eventually(async () => {
				const s = await state(id);
				return s?.status === 'done' && s.kept_fields.includes('summary') ? s : null;
			}, 30_000, 'second enrichment');
			const row = await item(id);
			expect(row.summary).toBe('Written by the editor.');
			expect(kept.written.summary).not.toBe('Written by the editor.');
			// The other fields were still updated.
			expect(row.sentiment).toBe('negative');
		});

		it('backfills existing items with progress and per-item status', async () => {
			const off = await directus.request('PATCH', `/items/ml_enrichments/${pipelineId}`, { body: { status: 'disabled' } });
			expect(off.status, off.text).toBe(200);
			const ids = [await create({ title: 'Old post one', body: FOOD }), await create({ title: 'Old post two', body: TECH }), await create({ title: '', body: '' })];
			// Disabled: nothing ran.
			expect(await state(ids[0]!)).toBeUndefined();
			const on = await directus.request('PATCH', `/items/ml_enrichments/${pipelineId}`, { body: { status: 'active' } });
			expect(on.status, on.text).toBe(200);
			await eventually(async () => (await state(ids[0]!))?.status === 'done' && (await state(ids[1]!))?.status === 'done', 30_000, 'backfill');
			expect((await item(ids[0]!)).topic).toBe('food');
			expect((await item(ids[1]!)).topic).toBe('technology');
			expect((await state(ids[2]!))?.status).toBe('skipped');

			const backfill = await directus.request('POST', `/ml/enrichments/${pipelineId}/backfill`, { body: { force: true } });
			expect(backfill.status, backfill.text).toBe(202);
			const job = await eventually(async () => {
				const res = await directus.request('GET', `/ml/queues/enrichment/jobs/${encodeURIComponent(backfill.body.job.id)}`);
				return res.status === 200 && res.body.data.state === "completed" ? res.body.data : null;
			}, 30_000, 'backfill job');
			expect(job.progress.percent).toBe(100);
			expect(job.progress.processed).toBeGreaterThanOrEqual(6);
			const status = await directus.request('GET', `/ml/enrichments/${pipelineId}/status`);
			expect(status.status).toBe(200);
			expect(status.body.counts.done).toBeGreaterThanOrEqual(5);
			expect(status.body.counts.skipped).toBeGreaterThanOrEqual(1);
		});

		it('refuses pipelines that would loop or name unknown fields', async () => {
			const loop = await directus.request('POST', '/items/ml_enrichments', {
				body: { name: 'Loop', collection: 'posts', source_fields: ['body'], targets: [{ analysis: 'summary', field: 'body' }] },
			});
			expect(loop.status).toBe(400);
			expect(loop.text).toContain('must not write what it reads');
			const unknown = await directus.request('POST', '/items/ml_enrichments', {
				body: { name: 'Unknown', collection: 'posts', source_fields: ['nope'], targets: [{ analysis: 'summary', field: 'summary' }] },
			});
			expect(unknown.status).toBe(400);
			expect(unknown.text).toContain('nope');
			const badAnalysis = await directus.request('POST', '/items/ml_enrichments', {
				body: { name: 'Bad', collection: 'posts', source_fields: ['body'], targets: [{ analysis: 'poetry', field: 'summary' }] },
			});
			expect(badAnalysis.status).toBe(400);
		});

		it('answers the analysis routes offline and names the engine', async () => {
			const sentiment = await directus.request('POST', '/ml/analysis/sentiment', { body: { text: 'I love this, it is wonderful.', includeAspects: true } });
			expect(sentiment.status, sentiment.text).toBe(200);
			expect(sentiment.body).toMatchObject({ sentiment: 'positive', engine: 'local' });
			expect(sentiment.body.score).toBeGreaterThan(0);

			const summary = await directus.request('POST', '/ml/analysis/summarize', { body: { text: TECH, maxLength: 25 } });
			expect(summary.body.summary.split(/\s+/).length).toBeLessThanOrEqual(25);
			expect(summary.body).toHaveProperty('keyPoints');
			expect(summary.body).toHaveProperty('tokensUsed', 0);

			const keywords = await directus.request('POST', '/ml/analysis/keywords', { body: { text: TECH, maxKeywords: 3 } });
			expect(keywords.body.keywords).toHaveLength(3);

			const classify = await directus.request('POST', '/ml/analysis/classify', { body: { text: FOOD, categories: [{ name: 'food', description: 'restaurant, chef, meal' }, 'technology'] } });
			expect(classify.body.classifications[0].category).toBe('food');
			expect(classify.body.textPreview).toBe(FOOD.slice(0, 200));

			const text = await directus.request('POST', '/ml/analysis/text', { body: { text: FOOD } });
			expect(text.body).toMatchObject({ engine: 'local', charCount: FOOD.length });
			expect(text.body.sentiment.sentiment).toBe('positive');
			expect(typeof text.body.summary).toBe('string');
			expect(Array.isArray(text.body.keywords)).toBe(true);

			for (const path of ['/ml/analysis/entities', '/ml/analysis/language', '/ml/analysis/readability']) {
				const res = await directus.request('POST', path, { body: { text: 'Angela Merkel visited Paris on 3 March 2024 with the European Union delegation.' } });
				expect(res.status, `${path}: ${res.text}`).toBe(200);
			}
			const language = await directus.request('POST', '/ml/analysis/language', { body: { text: 'Der schnelle braune Fuchs springt über den faulen Hund und läuft in den Wald.' } });
			expect(language.body.language).toBe('de');

			// Free generation needs a chat model; with context the local engine quotes it.
			const generate = await directus.request('POST', '/ml/analysis/generate', { body: { prompt: 'Write a poem' } });
			expect(generate.status).toBe(503);
			expect(generate.text).toContain('ML_CHAT_PROVIDER');
			const grounded = await directus.request('POST', '/ml/analysis/generate', { body: { prompt: 'What does the chef cook?', context: FOOD } });
			expect(grounded.status).toBe(200);
			expect(grounded.body.content).toContain('chef');
		});

		it('rejects bad analysis input with a 4xx naming the problem', async () => {
			const empty = await directus.request('POST', '/ml/analysis/sentiment', { body: { text: '   ' } });
			expect(empty.status).toBe(400);
			expect(empty.text).toContain('text');
			const long = await directus.request('POST', '/ml/analysis/summarize', { body: { text: 'word '.repeat(2000) } });
			expect(long.status).toBe(413);
			expect(long.text).toContain('ML_ANALYSIS_MAX_CHARS');
			const unknown = await directus.request('POST', '/ml/analysis/text', { body: { text: 'hello there', analyses: ['sentiment', 'astrology'] } });
			expect(unknown.status).toBe(400);
			expect(unknown.text).toContain('analyses');
			const many = await directus.request('POST', '/ml/analysis/classify', { body: { text: 'hello there', categories: ['a', 'b', 'c', 'd', 'e', 'f'] } });
			expect(many.status).toBe(400);
			expect(many.text).toContain('ML_ANALYSIS_MAX_CATEGORIES');
			const noCategories = await directus.request('POST', '/ml/analysis/text', { body: { text: 'hello there', analyses: ['classification'] } });
			expect(noCategories.status).toBe(400);
			const anonymous = await directus.request('POST', '/ml/analysis/sentiment', { token: null, body: { text: 'hello' } });
			expect(anonymous.status).toBe(401);
			const badLevel = await directus.request('POST', '/ml/complexity/adjustment', { body: { preLevel: 0, actualLevel: 3 } });
			expect(badLevel.status).toBe(400);
		});

		it('answers the complexity routes', async () => {
			const scale = await directus.request('GET', '/ml/complexity/scale');
			expect(scale.body.scale.map((l: { points: number }) => l.points)).toEqual([1, 3, 5, 8, 13]);
			const easy = await directus.request('POST', '/ml/complexity/estimate', { body: { title: 'Fix typo in README', issueType: 'docs', labels: ['good-first-issue'] } });
			const hard = await directus.request('POST', '/ml/complexity/estimate', {
				body: { title: 'Migrate authentication to OAuth with a security review', description: 'Refactor the legacy auth architecture, migrate all clients and keep backward compatibility during the migration.', issueType: 'epic', relatedFiles: Array.from({ length: 12 }, (_, i) => `src/auth/${i}.ts`) },
			});
			expect(easy.body.complexityScore).toBeLessThan(hard.body.complexityScore);
			expect(hard.body).toMatchObject({ engine: 'local' });
			for (const key of ['name', 'estimatedHours', 'estimatedPoints', 'factors', 'reasoning', 'confidence']) expect(hard.body).toHaveProperty(key);
			const adjustment = await directus.request('POST', '/ml/complexity/adjustment', { body: { preLevel: 2, actualLevel: 4 } });
			expect(adjustment.body).toMatchObject({ multiplier: 1.25, bonusPercent: 25 });
			const analyze = await directus.request('POST', '/ml/complexity/analyze', { body: { linesAdded: 300, linesRemoved: 50, filesChanged: 6, commits: 4, preComplexity: 3 } });
			expect(analyze.body).toMatchObject({ actualComplexity: 3, actualPoints: 5, accuracyScore: 100 });
			expect((await directus.request('GET', '/ml/complexity/health')).body.status).toBe('ok');
			const noPipeline = await directus.request('POST', '/ml/complexity/estimate', { body: { title: 'x', collection: 'posts' } });
			expect(noPipeline.status).toBe(400);
		});

		it('runs the Analyze text, Summarize, Classify and Estimate complexity operations in a flow', async () => {
			const flow = await directus.request('POST', '/flows', {
				body: { name: 'Analysis operations', status: 'active', trigger: 'webhook', accountability: 'all', options: { method: 'POST', async: false, return: '$all' } },
			});
			expect(flow.status, flow.text).toBe(200);
			const flowId = String(flow.body.data.id);
			const operation = async (key: string, type: string, options: Record<string, unknown>, resolve: string | null): Promise<string> => {
				const res = await directus.request('POST', '/operations', { body: { flow: flowId, key, name: key, type, options, resolve, position_x: 20, position_y: 1 } });
				expect(res.status, res.text).toBe(200);
				return String(res.body.data.id);
			};
			// Built last to first so each operation can name the next one; later ones read earlier results.
			const estimate = await operation('estimate', 'ml-estimate-complexity', { title: '{{$trigger.body.title}}', description: '{{summary.summary}}', issueType: 'docs' }, null);
			const classify = await operation('classify', 'ml-classify-text', { text: '{{summary.summary}}', categories: ['food', 'technology'], descriptions: { food: 'restaurant, chef, meal, dish', technology: 'software, database' } }, estimate);
			const summarize = await operation('summary', 'ml-summarize-text', { text: '{{$trigger.body.text}}', maxLength: 20 }, classify);
			const analyze = await operation('analysis', 'ml-analyze-text', { text: '{{$trigger.body.text}}', analyses: ['sentiment', 'keywords', 'language'] }, summarize);
			expect((await directus.request('PATCH', `/flows/${flowId}`, { body: { operation: analyze } })).status).toBe(200);

			const res = await eventually(async () => {
				const r = await directus.request('POST', `/flows/trigger/${flowId}`, { body: { title: 'Write up the restaurant review', text: `<p>${FOOD}</p>` } });
				return r.status === 200 ? r : null;
			}, 20_000, 'the flow to be triggerable');
			expect(res.body.analysis).toMatchObject({ engine: 'local', sentiment: { sentiment: 'positive' }, language: { language: 'en' } });
			expect(res.body.analysis.keywords.keywords.length).toBeGreaterThan(0);
			expect(res.body.summary.summary.split(/\s+/).length).toBeLessThanOrEqual(20);
			expect(res.body.classify).toMatchObject({ label: 'food', engine: 'local' });
			expect(res.body.estimate).toMatchObject({ engine: 'local' });
			expect(res.body.estimate.complexityScore).toBeLessThanOrEqual(3);
		});

		it('shows an item\'s suggestions to an editor and saves their accept, edit and reject with their permissions', async () => {
			const id = await create({ title: 'Vector search', body: TECH });
			await eventually(async () => (await state(id))?.status === 'done', 30_000, 'first enrichment');
			await directus.request('PATCH', `/items/posts/${id}`, { body: { summary: null } });
			const base = `/ml/enrichments/suggestions/posts/${id}`;
			// Field rules (the editor may update summary and keywords, not topic) are a licensed feature
			// on Directus 12 (refused on the Core license this harness runs): they are exercised on 11.
			const fieldRules = DIRECTUS_MAJOR < 12;
			const editor = await directus.createUser({
				email: 'editor-suggestions@example.com',
				permissions: [
					{ collection: 'posts', action: 'read' },
					fieldRules ? { collection: 'posts', action: 'update', fields: ['summary', 'keywords'] } : { collection: 'posts', action: 'update' },
				],
			});

			const listed = await directus.request('GET', base, { token: editor });
			expect(listed.status, listed.text).toBe(200);
			const byField = Object.fromEntries(listed.body.data.suggestions.map((s: { field: string }) => [s.field, s]));
			expect(byField.topic).toMatchObject({ enrichment: pipelineId, pipeline: 'Post insights', analysis: 'classification', suggested: 'technology', current: 'technology', state: 'applied' });
			expect(byField.summary).toMatchObject({ state: 'suggested', current: null });
			expect(byField.summary.suggested.length).toBeGreaterThan(10);

			// Accept as suggested: written as the editor (a revision by that user), the suite still owns the field.
			const accepted = await directus.request('POST', base, { token: editor, body: { enrichment: pipelineId, field: 'summary', action: 'accept' } });
			expect(accepted.status, accepted.text).toBe(200);
			expect(accepted.body.data.suggestion).toMatchObject({ field: 'summary', state: 'applied', current: byField.summary.suggested });
			expect((await item(id)).summary).toBe(byField.summary.suggested);
			const lastRevision = (await directus.request('GET', `/revisions?filter[collection][_eq]=posts&filter[item][_eq]=${id}&sort=-id&limit=1&fields=activity.user`)).body.data[0];
			expect(lastRevision.activity.user).not.toBeNull();
			expect((await state(id))?.written.summary).toBe(byField.summary.suggested);

			// Edit: the editor's value is written and the field becomes theirs.
			const edited = await directus.request('POST', base, { token: editor, body: { enrichment: pipelineId, field: 'keywords', action: 'accept', value: 'vectors, search' } });
			expect(edited.status, edited.text).toBe(200);
			expect(edited.body.data.suggestion.state).toBe('editor');
			expect((await item(id)).keywords).toBe('vectors, search');
			expect((await state(id))?.kept_fields).toContain('keywords');

			// Reject (admin): the suite's value is cleared and later runs leave the field empty.
			const rejected = await directus.request('POST', base, { body: { enrichment: pipelineId, field: 'summary', action: 'reject' } });
			expect(rejected.status, rejected.text).toBe(200);
			expect((await item(id)).summary).toBeNull();
			const revisionBefore = (await state(id))?.revision ?? 0;
			await directus.request('PATCH', `/items/posts/${id}`, { body: { body: `${TECH} Vector search also helps recommendation systems.` } });
			await eventually(async () => {
				const now = await state(id);
				return now?.status === 'done' && now.revision > revisionBefore;
			}, 30_000, 'the re-run after the source edit');
			const after = await item(id);
			expect(after.summary).toBeNull();
			expect(after.keywords).toBe('vectors, search');

			// Permissions: the editor may not update topic; Directus refuses and nothing changes.
			if (fieldRules) {
				const forbidden = await directus.request('POST', base, { token: editor, body: { enrichment: pipelineId, field: 'topic', action: 'reject' } });
				expect(forbidden.status, forbidden.text).toBe(403);
				expect((await item(id)).topic).toBe('technology');
			}
			const reader = await directus.createUser({ email: 'reader-suggestions@example.com', permissions: [] });
			expect((await directus.request('GET', base, { token: reader })).body.data.suggestions).toEqual([]);
			expect((await directus.request('POST', base, { token: reader, body: { enrichment: pipelineId, field: 'summary', action: 'accept' } })).status).toBe(404);
			expect((await directus.request('GET', base, { token: null })).status).toBe(401);

			// Bad input names the problem.
			const bad = await directus.request('POST', base, { body: { enrichment: pipelineId, field: 'summary', action: 'approve' } });
			expect(bad.status).toBe(400);
			expect(bad.text).toContain('action');
			const unknownField = await directus.request('POST', base, { body: { enrichment: pipelineId, field: 'title', action: 'accept' } });
			expect(unknownField.status).toBe(400);
			expect(unknownField.body.errors[0].message).toContain('does not write the field "title"');
		});

		it('records usage for local analysis calls with engine and latency', async () => {
			const rows = await eventually(async () => {
				const res = await directus.request('GET', '/items/ml_usage?filter[source][_eq]=route:POST%20/ml/analysis/sentiment%20(sentiment)&limit=10');
				return res.body.data.length > 0 ? res.body.data : null;
			}, 10_000, 'usage rows');
			expect(rows[0]).toMatchObject({ provider: 'local', capability: 'analysis', status: 'success' });
			expect(rows[0].latency_ms).toBeGreaterThanOrEqual(0);
			const failed = await eventually(async () => {
				const res = await directus.request('GET', '/items/ml_usage?filter[source][_eq]=route:POST%20/ml/analysis/generate%20(generate)&filter[status][_eq]=error&limit=10');
				return res.body.data.length > 0 ? res.body.data : null;
			}, 10_000, 'error usage rows');
			expect(failed[0].error_code).toBe('NOT_CONFIGURED');
			const pipeline = await directus.request('GET', `/items/ml_usage?filter[collection][_eq]=posts&filter[source_type][_eq]=job&limit=1`);
			expect(pipeline.body.data.length).toBe(1);
		});
	});
}

describeEnrichment('sqlite', false);
describeEnrichment('postgres', await skipUnless('postgres'));
