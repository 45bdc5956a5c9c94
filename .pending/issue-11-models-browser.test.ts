import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, describeViolations, launchBrowser, openApp, setUserPreferences, skipBrowser, type AppPage } from '../support/browser.js';
import { eventually } from '../support/content.js';
import { startDirectus, type DirectusInstance } from '../support/directus.js';

// The ML Models module in a real Chromium, through the real login: changelist (search, filter,
// bulk test with confirmation), change form (validation before save, test call, history) and a
// classifier trained on the demo articles with its versions and metrics. One Directus boot and
// one browser for the file; console errors fail each test.
describe.skipIf(skipBrowser())('ML Models module in the browser', () => {
	let directus: DirectusInstance;
	let browser: Browser;
	let app: AppPage;
	let classifierId: string;

	beforeAll(async () => {
		[directus, browser] = await Promise.all([startDirectus({ seedDemo: true, env: { ML_QUEUE: 'inline' } }), launchBrowser()]);
		const res = await directus.request('POST', '/items/ml_models', { body: { name: 'Article topics', task: 'classification', provider: 'local', model_id: 'article-topics' } });
		expect(res.status, res.text).toBe(200);
		classifierId = res.body.data.id;
		const train = await directus.request('POST', `/ml/models/${classifierId}/train`, { body: { collection: 'articles', textFields: ['title', 'body'], labelField: 'category', testRatio: 0.25 } });
		expect(train.status, train.text).toBe(202);
		await eventually(async () => ((await directus.request('GET', `/ml/models/${classifierId}/versions`)).body.versions[0]?.status === 'ready' ? true : null), 90_000, 'training');
		app = await openApp(browser, directus);
	}, 420_000);
	afterEach(() => app?.assertNoConsoleErrors());
	afterAll(async () => {
		await setUserPreferences(directus, { language: null }).catch(() => undefined);
		await app?.close();
		await browser?.close();
		await directus?.stop();
	});

	const rows = () => app.page.locator('.model-table tbody tr');

	it('lists models with task, provider and status; searches and filters; bulk-tests after confirmation', async () => {
		await app.open('/ml-models');
		await expect.poll(() => rows().count()).toBeGreaterThanOrEqual(2);
		const text = await app.page.locator('.model-table').innerText();
		expect(text).toContain('Article topics');
		expect(text).toContain('Classifier');
		expect(text).toContain('Untested');

		await app.page.getByRole('textbox', { name: 'Search models' }).fill('article');
		await expect.poll(() => rows().count()).toBe(1);
		await app.page.getByRole('textbox', { name: 'Search models' }).fill('');
		await expect.poll(() => rows().count()).toBeGreaterThanOrEqual(2);

		// Select every row, bulk "Test", confirm: each model's status changes from Untested.
		await app.page.locator('.model-table thead .select input, .model-table thead .v-checkbox').first().click();
		await app.page.getByRole('button', { name: 'Test', exact: true }).click();
		await app.page.getByRole('button', { name: 'Confirm' }).click();
		await expect.poll(() => app.page.locator('.model-table').innerText(), { timeout: 30_000 }).not.toContain('Untested');
		expect(await app.page.locator('.model-table').innerText()).toContain('Healthy');

		const violations = await axeViolations(app.page);
		expect(violations, describeViolations(violations)).toEqual([]);
	});

	it('shows a classifier with its versions, metrics and confusion matrix; Test answers with a sample label', async () => {
		await app.open(`/ml-models/${classifierId}`);
		await app.page.locator('.versions table').waitFor();
		expect(await app.page.locator('.versions tbody tr').first().innerText()).toContain('v1');
		await app.page.getByRole('button', { name: 'v1' }).click();
		await app.page.locator('.confusion').waitFor();
		expect(await app.page.locator('.confusion caption').innerText()).toContain('Confusion matrix');
		await app.page.getByRole('button', { name: 'Test', exact: true }).click();
		await expect.poll(() => app.page.locator('.test-result').innerText()).toMatch(/Answered in \d+ ms\. Sample answer: \w+/);
		const violations = await axeViolations(app.page);
		expect(violations, describeViolations(violations)).toEqual([]);
	});

	it('validates the change form before saving, saves, and shows who changed it', async () => {
		await app.open(`/ml-models/${classifierId}`);
		const name = app.page.locator('#field-name input, input#field-name').first();
		await name.fill('');
		await app.page.getByRole('button', { name: 'Save' }).click();
		await expect.poll(() => app.page.locator('.field-error').first().innerText()).toBe('Required.');
		await name.fill('Article topics (demo)');
		await app.page.getByRole('button', { name: 'Save' }).click();
		await expect.poll(() => app.page.locator('.v-notice').first().innerText()).toContain('Saved.');
		await expect.poll(() => app.page.locator('.history').innerText()).toMatch(/update by \S+/);
		expect((await directus.request('GET', `/items/ml_models/${classifierId}`)).body.data.name).toBe('Article topics (demo)');
	});

	it('speaks German when the user language is German', async () => {
		await setUserPreferences(directus, { language: 'de-DE' });
		try {
			await app.open('/ml-models');
			await app.page.getByRole('textbox', { name: 'Modelle suchen' }).waitFor();
			expect(await app.page.locator('.filters').innerText()).toContain('Aufgabe');
		} finally {
			await setUserPreferences(directus, { language: null });
		}
	});
});
