import type { Browser, Locator } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import demo from '../../snapshots/demo-content.json' with { type: 'json' };
import { ARTICLE_CATEGORIES } from '../../extensions/ml-suite/src/api/schema/demo-collections.js';
import { axeViolations, describeViolations, DIRECTUS_COMPONENT_DEFECTS, launchBrowser, openApp, setUserPreferences, skipBrowser, type AppPage } from '../support/browser.js';
import { createCollection, eventually } from '../support/content.js';
import { startDirectus, type DirectusInstance } from '../support/directus.js';

// The ML Models module (issue 11) in a real Chromium, through the real login: the changelist
// (search, filter, sort, bulk test after a confirmation), the change form (validation before
// save, caps, Test with latency and dimensions, Make default, history) and a topic classifier
// trained on the demo articles' categories from the Train drawer: metrics, activation, and an
// enrichment pipeline answering with the activated version (checked through REST). One Directus
// boot and one browser for the file; console errors fail each test; no critical/serious axe issues.
describe.skipIf(skipBrowser())('ML Models module in the browser', () => {
	let directus: DirectusInstance;
	let browser: Browser;
	let app: AppPage;
	let classifierId: string;
	let embeddingId: string;

	beforeAll(async () => {
		[directus, browser] = await Promise.all([startDirectus({ seedDemo: true, env: { ML_QUEUE: 'inline', ML_USAGE_FLUSH_MS: '200' } }), launchBrowser()]);
		const res = await directus.request('POST', '/items/ml_models', { body: { name: 'Article topics', task: 'classification', provider: 'local', model_id: 'article-topics' } });
		expect(res.status, res.text).toBe(200);
		classifierId = res.body.data.id;
		const small = await directus.request('POST', '/items/ml_models', { body: { name: 'Small hash embeddings', task: 'embedding', provider: 'local', model_id: 'local-hash-64', dimensions: 64 } });
		expect(small.status, small.text).toBe(200);
		embeddingId = small.body.data.id;
		await createCollection(directus, 'notes', { body: 'text', predicted: 'string' });
		const pipeline = await directus.request('POST', '/items/ml_enrichments', {
			body: { name: 'Note topics', collection: 'notes', source_fields: ['body'], targets: [{ analysis: 'classification', field: 'predicted', options: { classifier: 'article-topics' } }] },
		});
		expect(pipeline.status, pipeline.text).toBe(200);
		app = await openApp(browser, directus);
	}, 420_000);
	afterEach(() => app?.assertNoConsoleErrors());
	afterAll(async () => {
		await setUserPreferences(directus, { language: null }).catch(() => undefined);
		await app?.close();
		await browser?.close();
		await directus?.stop();
	}, 120_000);

	const rows = () => app.page.locator('.model-table tbody tr');
	const names = async () => (await app.page.locator('.model-table tbody tr .name').allInnerTexts()).map((s) => s.trim());
	const notice = () => app.page.locator('.v-notice');
	/** Opens a Directus v-select and picks the option with this text. */
	async function choose(select: Locator, option: string): Promise<void> {
		await select.click();
		await app.page.locator('.v-menu-content .v-list-item').filter({ hasText: new RegExp(`^\\s*${option.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`) }).first().click();
	}
	async function noSeriousAxeIssues(): Promise<void> {
		// Directus's own v-table selection checkbox (role=checkbox with aria-pressed, no name) is the
		// app's component, as in the evaluation module's test; everything the suite renders counts.
		const violations = await axeViolations(app.page, { exclude: [...DIRECTUS_COMPONENT_DEFECTS, '.v-table .select .v-checkbox'] });
		expect(violations, describeViolations(violations)).toEqual([]);
	}

	it('lists models; searches, filters and sorts; bulk-tests after a confirmation', async () => {
		await app.open('/ml-models');
		await expect.poll(() => rows().count()).toBeGreaterThanOrEqual(3);
		const text = await app.page.locator('.model-table').innerText();
		expect(text).toContain('Article topics');
		expect(text).toContain('Classifier');
		expect(text).toContain('Untested');
		const total = await rows().count();

		const search = app.page.getByRole('textbox', { name: 'Search models' });
		await search.fill('article');
		await expect.poll(names).toEqual(['Article topics']);
		await search.fill('');
		await expect.poll(() => rows().count()).toBe(total);

		// Filter by task in the side panel.
		await choose(app.page.locator('.filters .filter').filter({ hasText: 'Task' }).locator('.v-select'), 'Embedding');
		await expect.poll(async () => (await names()).length).toBeGreaterThanOrEqual(2);
		expect(await app.page.locator('.model-table tbody').innerText()).not.toContain('Article topics');
		expect(await names()).toContain('Small hash embeddings');
		await choose(app.page.locator('.filters .filter').filter({ hasText: 'Task' }).locator('.v-select'), 'All');
		await expect.poll(() => rows().count()).toBe(total);

		// Sorted by name; the header flips the order.
		const ascending = await names();
		expect(ascending).toEqual([...ascending].sort((a, b) => a.toLowerCase().localeCompare(b.toLowerCase())));
		await app.page.locator('.model-table thead th').filter({ hasText: 'Name' }).first().locator('.sort-indicator, .header-btn, .name').first().click();
		await expect.poll(names).toEqual([...ascending].reverse());

		// Select every row, bulk "Test", confirm: no model stays untested.
		await app.page.locator('.model-table thead .select .v-checkbox, .model-table thead .v-checkbox').first().click();
		await app.page.getByRole('toolbar').getByRole('button', { name: 'Test', exact: true }).click();
		await app.page.getByRole('button', { name: 'Confirm' }).click();
		await expect.poll(() => app.page.locator('.model-table').innerText(), { timeout: 60_000 }).not.toContain('Untested');
		const after = await app.page.locator('.model-table').innerText();
		expect(after).toContain('Healthy');
		// The untrained classifier cannot answer yet.
		expect(after).toContain('Failing');
		await noSeriousAxeIssues();
	});

	it('disables, enables and deletes unused models in bulk, each after a confirmation naming what happens', async () => {
		const unused = await directus.request('POST', '/items/ml_models', { body: { name: 'Unused embeddings', task: 'embedding', provider: 'local', model_id: 'local-hash-32', dimensions: 32 } });
		expect(unused.status, unused.text).toBe(200);
		await app.open('/ml-models');
		const row = (name: string) => rows().filter({ hasText: name });
		const bulk = (name: string) => app.page.getByRole('toolbar').getByRole('button', { name, exact: true });
		await row('Unused embeddings').waitFor();

		await row('Unused embeddings').locator('.v-checkbox').click();
		await bulk('Disable').click();
		await expect.poll(() => app.page.locator('.v-card[data-ml-suite]').innerText()).toContain('Disabled models cannot be used');
		await app.page.getByRole('button', { name: 'Confirm' }).click();
		await expect.poll(async () => (await directus.request('GET', `/items/ml_models/${unused.body.data.id}`)).body.data.status).toBe('disabled');
		await expect.poll(() => row('Unused embeddings').innerText()).toContain('Disabled');

		await row('Unused embeddings').locator('.v-checkbox').click();
		await bulk('Enable').click();
		await app.page.getByRole('button', { name: 'Confirm' }).click();
		await expect.poll(async () => (await directus.request('GET', `/items/ml_models/${unused.body.data.id}`)).body.data.status).toBe('active');

		// Delete unused: the default embedding model is selected too, but only the unused one goes.
		await row('Unused embeddings').locator('.v-checkbox').click();
		await row('Default embeddings').locator('.v-checkbox').click();
		await bulk('Delete unused').click();
		const dialog = app.page.locator('.v-card[data-ml-suite]');
		await expect.poll(() => dialog.innerText()).toContain('Delete 1 unused models?');
		expect(await dialog.innerText()).toContain(': Unused embeddings.');
		await app.page.getByRole('button', { name: 'Confirm' }).click();
		// Directus answers 403 for an item that does not exist (as for one the caller cannot read).
		await expect.poll(async () => [403, 404].includes((await directus.request('GET', `/items/ml_models/${unused.body.data.id}`)).status)).toBe(true);
		await expect.poll(() => rows().filter({ hasText: 'Unused embeddings' }).count()).toBe(0);
		expect(await row('Default embeddings').count()).toBe(1);
	});

	it('validates the change form (required fields, caps) before saving, saves, and shows who changed it', async () => {
		await app.open(`/ml-models/${classifierId}`);
		const name = app.page.locator('#field-name input, input#field-name').first();
		await name.waitFor();
		await name.fill('');
		const maxChars = app.page.locator('#field-max_input_chars input, input#field-max_input_chars').first();
		await maxChars.fill('0');
		await app.page.getByRole('button', { name: 'Save', exact: true }).click();
		await expect.poll(() => app.page.locator('.field-error').allInnerTexts()).toEqual(['Required.', 'A whole number, at least 1.']);
		expect(await notice().first().innerText()).toContain('Fix the marked fields');
		// Nothing was saved.
		expect((await directus.request('GET', `/items/ml_models/${classifierId}`)).body.data.name).toBe('Article topics');

		await name.fill('Article topics (demo)');
		await maxChars.fill('4000');
		await app.page.locator('#field-audio_price_per_minute input, input#field-audio_price_per_minute').first().fill('0.006');
		await app.page.getByRole('button', { name: 'Save', exact: true }).click();
		await expect.poll(() => notice().allInnerTexts()).toContain('Saved.');
		const row = (await directus.request('GET', `/items/ml_models/${classifierId}`)).body.data;
		expect(row).toMatchObject({ name: 'Article topics (demo)', max_input_chars: 4000 });
		expect(Number(row.audio_price_per_minute)).toBeCloseTo(0.006);
		await expect.poll(() => app.page.locator('.history').innerText()).toMatch(/update by \S+/);
		expect(await app.page.locator('.history').innerText()).toContain('max_input_chars');
		await noSeriousAxeIssues();
	});

	it('tests an embedding model (latency and dimensions), shows what a new default implies, and makes a model the default', async () => {
		await app.open(`/ml-models/${embeddingId}`);
		await app.page.getByRole('button', { name: 'Test', exact: true }).click();
		await expect.poll(() => app.page.locator('.test-result').innerText()).toMatch(/^Answered in \d+ ms\. 64 dimensions\.$/);
		// The demo indexes follow the default embedding model: making this one the default re-embeds them.
		const stale = app.page.locator('.stale');
		await expect.poll(() => stale.innerText()).toContain('Changing the default embedding model');
		const followers = (await directus.request('GET', `/ml/models/${embeddingId}`)).body.defaultFollowers as { name: string }[];
		expect(followers.length).toBeGreaterThan(0);
		for (const f of followers) expect(await stale.innerText()).toContain(f.name);

		// The default embedding model lists the indexes that embed with it, each with a reindex action.
		const models = (await directus.request('GET', '/ml/models')).body.models as { id: string; task: string; isDefault: boolean }[];
		const defaultEmbedding = models.find((m) => m.task === 'embedding' && m.isDefault)!;
		await app.open(`/ml-models/${defaultEmbedding.id}`);
		const indexName = followers[0]!.name;
		await app.page.locator('.indexes').getByRole('button', { name: `Reindex ${indexName}` }).click();
		await expect.poll(() => notice().allInnerTexts()).toContain(`Reindex of ${indexName} queued.`);

		// Make the classifier the default classifier.
		await app.open(`/ml-models/${classifierId}`);
		await app.page.getByRole('button', { name: 'Make default for Classifier' }).click();
		await expect.poll(() => notice().allInnerTexts()).toContain('Now the default Classifier model.');
		await app.page.getByText('Default for Classifier').waitFor();
		expect((await directus.request('GET', `/items/ml_models/${classifierId}`)).body.data.is_default).toBe(true);
		await noSeriousAxeIssues();
	});

	it('trains a topic classifier on the demo articles\' categories, shows its metrics, activates a version, and an enrichment pipeline uses it', async () => {
		await app.open(`/ml-models/${classifierId}`);
		const drawer = app.page.locator('.train-form');
		const field = (label: string) => drawer.locator('.field').filter({ hasText: label }).locator('.v-select');
		const start = async () => {
			await app.page.getByRole('button', { name: 'Start training' }).click();
			await expect.poll(() => notice().allInnerTexts()).toContainEqual(expect.stringMatching(/^Training queued \(job .+\)\.$/));
		};
		const openDrawer = async () => {
			await app.page.locator('.versions').getByRole('button', { name: 'Train', exact: true }).click();
			await drawer.waitFor();
		};
		const versionRow = (n: number) => app.page.locator('.versions tbody tr').filter({ has: app.page.getByRole('button', { name: `v${n}`, exact: true }) });

		await openDrawer();
		// Nothing chosen yet: training cannot start.
		expect(await app.page.getByRole('button', { name: 'Start training' }).isDisabled()).toBe(true);
		await choose(field('Collection'), 'articles');
		await choose(field('Text fields'), 'title');
		// A multiple select may stay open after a pick; open it again if it closed.
		const body = app.page.locator('.v-menu-content .v-list-item').filter({ hasText: /^\s*body\s*$/ }).first();
		if (!(await body.isVisible())) await field('Text fields').click();
		await body.click();
		// Close the menu by clicking outside it (Escape would close the drawer).
		await drawer.locator('#train-text').click();
		await choose(field('Label field'), 'category');
		await choose(field('Features'), 'TF-IDF (words)');
		await start();
		// The form refreshes itself while the version trains; the first version becomes active.
		await expect.poll(() => versionRow(1).innerText(), { timeout: 120_000 }).toMatch(/Active\s+\d+\.\d%\s+\d\.\d{3}/);
		const v1 = (await directus.request('GET', `/ml/models/${classifierId}/versions`)).body.versions[0];
		expect(v1.trainSize + v1.testSize).toBe(demo.articles.length);
		expect(v1.spec).toMatchObject({ collection: 'articles', labelField: 'category', features: 'tfidf' });
		expect([...v1.spec.textFields].sort()).toEqual(['body', 'title']);
		expect(await versionRow(1).innerText()).toContain(`${(v1.metrics.accuracy * 100).toFixed(1)}%`);
		await app.page.getByRole('button', { name: 'v1', exact: true }).click();
		const confusion = app.page.locator('.confusion');
		await confusion.waitFor();
		expect(await confusion.locator('caption').innerText()).toContain('Confusion matrix');
		for (const category of ARTICLE_CATEGORIES) expect(await confusion.innerText()).toContain(category);

		// Train again: the drawer starts from the newest run's settings; only the features change.
		await openDrawer();
		await expect.poll(() => field('Label field').locator('input').inputValue()).toBe('category');
		expect(await field('Collection').locator('input').inputValue()).toBe('articles');
		await choose(field('Features'), 'TF-IDF + embeddings');
		await start();
		await expect.poll(() => versionRow(2).innerText(), { timeout: 120_000 }).toMatch(/ready\s+\d+\.\d%/);
		const v2 = (await directus.request('GET', `/ml/models/${classifierId}/versions`)).body.versions[0];
		expect(v2.spec).toMatchObject({ collection: 'articles', labelField: 'category', features: 'tfidf+embedding' });
		expect([...v2.spec.textFields].sort()).toEqual(['body', 'title']);
		await versionRow(2).getByRole('button', { name: 'Activate' }).click();
		await expect.poll(() => notice().allInnerTexts()).toContain('Version 2 is active.');
		await expect.poll(() => versionRow(2).innerText()).toContain('Active');

		// Test answers with the active version.
		await app.page.getByRole('button', { name: 'Test', exact: true }).click();
		await expect.poll(() => app.page.locator('.test-result').innerText()).toMatch(/^Answered in \d+ ms\. Sample answer: \S+/);
		await noSeriousAxeIssues();

		// The enrichment pipeline (created through REST) classifies new notes with version 2.
		const article = demo.articles.find((a) => a.category === 'travel')!;
		const created = await directus.request('POST', '/items/notes', { body: { body: article.body } });
		expect(created.status, created.text).toBe(200);
		const note = await eventually(async () => {
			const r = (await directus.request('GET', `/items/notes/${created.body.data.id}`)).body.data;
			return r.predicted ? r : null;
		}, 60_000, 'enrichment with the trained classifier');
		expect(ARTICLE_CATEGORIES).toContain(note.predicted);
		const usage = await eventually(async () => {
			const r = (await directus.request('GET', '/items/ml_usage?filter[model][_eq]=article-topics@v2&filter[collection][_eq]=notes')).body.data;
			return r.length > 0 ? r : null;
		}, 30_000, 'usage of version 2 by the pipeline');
		expect(usage[0].capability).toBe('classification');
	});

	it('speaks German when the user language is German', async () => {
		await setUserPreferences(directus, { language: 'de-DE' });
		try {
			await app.open('/ml-models');
			await app.page.getByRole('textbox', { name: 'Modelle suchen' }).waitFor();
			expect(await app.page.locator('.filters').innerText()).toContain('Aufgabe');
			await expect.poll(() => app.page.locator('.model-table tbody').innerText()).toContain('Klassifikator');
		} finally {
			await setUserPreferences(directus, { language: null });
		}
	});
});
