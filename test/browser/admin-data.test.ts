import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, describeViolations, launchBrowser, openApp, skipBrowser, type AppPage } from '../support/browser.js';
import { eventually } from '../support/content.js';
import { startDirectus, type DirectusInstance } from '../support/directus.js';

/** Set ML_SCREENSHOTS to keep a PNG of each screen this file looks at. */
const SHOTS = process.env.ML_SCREENSHOTS;

// The suite's collections as an admin sees them in the content module, on the demo project
// (one Directus boot and one browser for the whole file).
describe.skipIf(skipBrowser())('ML suite collections in the browser', () => {
	let directus: DirectusInstance;
	let browser: Browser;
	let app: AppPage;

	beforeAll(async () => {
		[directus, browser] = await Promise.all([startDirectus({ seedDemo: true }), launchBrowser()]);
		app = await openApp(browser, directus);
		if (SHOTS) mkdirSync(SHOTS, { recursive: true });
	}, 400_000);
	afterEach(() => app?.assertNoConsoleErrors());
	afterAll(async () => {
		await app?.close();
		await browser?.close();
		await directus?.stop();
	}, 120_000);

	const shot = async (name: string): Promise<void> => {
		if (SHOTS) await app.page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
	};

	it('lists models with readable provider and task labels and plain titles', async () => {
		await app.open('/content/ml_models');
		const table = app.page.locator('.v-table');
		await table.getByText('Local (offline)').first().waitFor();
		await expect.poll(() => table.getByText('Embedding').first().isVisible()).toBe(true);
		expect(await app.page.locator('body').innerText()).not.toMatch(/·\s+\//);
		await shot('content-ml-models');
	});

	it('shows usage with model, tokens, cost and latency columns', async () => {
		await directus.request('POST', '/ml/search', { body: { query: 'night trains in Europe', indexes: ['articles'] } });
		await app.open('/content/ml_usage');
		const headers = (await app.page.locator('.v-table thead').innerText()).toLowerCase();
		for (const column of ['source', 'model', 'input tokens', 'output tokens', 'cost', 'latency']) expect(headers).toContain(column);
		await eventually(async () => (await app.page.locator('.v-table').innerText()).includes('route:POST /ml/search') || (await app.open('/content/ml_usage'), false), 30_000, 'the search usage row');
		await shot('content-ml-usage');
	});

	it('manages an index: field pickers, coverage, reindex with progress, a warning before re-embedding', async () => {
		const index = (await directus.request('GET', '/items/ml_indexes?filter[name][_eq]=articles')).body.data[0];
		await eventually(async () => (await directus.request('GET', '/ml/indexes/articles/coverage')).body.data?.documents.pending === 0, 60_000, 'the demo indexed');
		await app.open(`/content/ml_indexes/${index.id}`);
		const panel = app.page.locator('.index-coverage');
		await panel.getByText('Indexed', { exact: true }).waitFor();
		// Content fields are picked from the articles collection, not typed.
		const content = app.page.locator('.field', { hasText: 'Content Fields' }).locator('.collection-fields');
		// The chosen fields show in the dropdown's input (v-select), not as text.
		await expect.poll(async () => `${await content.innerText()} ${await content.locator('input').first().inputValue().catch(() => '')}`).toMatch(/body/i);
		await shot('content-ml-index');

		await panel.getByRole('button', { name: 'Reindex changed items' }).click();
		await panel.getByText(/Reindex job #\S+: completed/).waitFor({ timeout: 60_000 });

		const chunkSize = app.page.locator('.field', { hasText: 'Chunk Size' }).locator('input');
		await chunkSize.fill('700');
		await panel.getByText(/Saving will re-embed every item/).waitFor();
		await shot('content-ml-index-warning');

		const violations = await axeViolations(app.page);
		expect(violations, describeViolations(violations)).toEqual([]);
	});

	// Issue 10, editor experience: a non-admin editor signs in through the login page and decides
	// on the demo pipeline's suggestions for an article in its item view.
	it('lets an editor accept, edit and reject enrichment suggestions on an article', async () => {
		const article = (await directus.request('GET', '/items/articles?sort=id&limit=1&fields=id')).body.data[0];
		const pipeline = (await directus.request('GET', '/items/ml_enrichments?filter[collection][_eq]=articles&limit=1&fields=id')).body.data[0];
		const enrichmentState = async (): Promise<Record<string, any> | undefined> =>
			(await directus.request('GET', `/items/ml_enrichment_items?filter[enrichment][_eq]=${pipeline.id}&filter[item][_eq]=${article.id}`)).body.data[0];
		await eventually(async () => (await enrichmentState())?.status === 'done', 120_000, 'the demo article enriched');
		const item = async (): Promise<Record<string, any>> => (await directus.request('GET', `/items/articles/${article.id}`)).body.data;
		const before = await item();
		expect(before.topic).toBeTruthy();
		expect(before.keywords?.length).toBeGreaterThan(0);
		// An empty summary the editor has not decided on yet.
		expect((await directus.request('PATCH', `/items/articles/${article.id}`, { body: { ai_summary: null } })).status).toBe(200);

		const email = 'editor-suggestions@example.com';
		await directus.createUser({ email, appAccess: true, permissions: [{ collection: 'articles', action: 'read' }, { collection: 'articles', action: 'update' }] });
		const editor = await openApp(browser, directus, { email, password: 'user-password-for-tests' });
		try {
			await editor.open(`/content/articles/${article.id}`);
			const panel = editor.page.locator('.enrichment-suggestions');
			const summary = panel.locator('li[data-field="ai_summary"]');
			await summary.locator('.state', { hasText: 'Suggested' }).waitFor({ timeout: 60_000 });
			const suggested = (await summary.locator('dd.suggested').innerText()).trim();
			expect(suggested.length).toBeGreaterThan(10);
			if (SHOTS) await editor.page.screenshot({ path: join(SHOTS, 'content-article-suggestions.png'), fullPage: true });
			const violations = await axeViolations(editor.page, { include: ['.enrichment-suggestions'] });
			expect(violations, describeViolations(violations)).toEqual([]);

			// Accept: saved as the editor, the state shows the value in use.
			await summary.getByRole('button', { name: 'Accept' }).click();
			await panel.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
			await summary.locator('.state', { hasText: 'In use' }).waitFor();
			expect((await item()).ai_summary).toBe(suggested);

			// Edit: the editor's keywords are written and the field becomes theirs.
			const keywords = panel.locator('li[data-field="keywords"]');
			await keywords.getByRole('button', { name: 'Edit' }).click();
			await keywords.getByRole('textbox', { name: /Edited value/ }).fill('night trains, sleeper cars');
			await keywords.getByRole('button', { name: 'Save edited value' }).click();
			await keywords.locator('.state', { hasText: 'Yours' }).waitFor();
			expect((await item()).keywords).toEqual(['night trains', 'sleeper cars']);

			// Reject: the topic the suite set is cleared and left to the editor.
			const topic = panel.locator('li[data-field="topic"]');
			await topic.getByRole('button', { name: 'Reject' }).click();
			await topic.locator('.state', { hasText: 'Yours' }).waitFor();
			if (SHOTS) await editor.page.screenshot({ path: join(SHOTS, 'content-article-suggestions-decided.png'), fullPage: true });

			// Through REST afterwards: the three decisions, written by the editor, and the pipeline's record.
			const after = await item();
			expect(after.ai_summary).toBe(suggested);
			expect(after.keywords).toEqual(['night trains', 'sleeper cars']);
			expect(after.topic).toBeNull();
			expect(after.title).toBe(before.title);
			const state = await enrichmentState();
			expect(state?.written.ai_summary).toBe(suggested);
			expect(state?.kept_fields).toEqual(expect.arrayContaining(['keywords', 'topic']));
			const editorId = (await directus.request('GET', `/users?filter[email][_eq]=${encodeURIComponent(email)}&fields=id`)).body.data[0].id;
			const activity = (await directus.request('GET', `/activity?filter[collection][_eq]=articles&filter[item][_eq]=${article.id}&filter[action][_eq]=update&sort=-id&limit=3&fields=user`)).body.data;
			expect(activity.map((a: { user: string | null }) => a.user)).toEqual([editorId, editorId, editorId]);
			editor.assertNoConsoleErrors();
		} finally {
			await editor.close();
		}
	});

	it('opens the indexed item from its document row', async () => {
		const doc = (await directus.request('GET', '/items/ml_documents?filter[collection][_eq]=articles&limit=1')).body.data[0];
		await app.open(`/content/ml_documents/${doc.id}`);
		await app.page.getByRole('link', { name: /Open the indexed item/ }).or(app.page.getByRole('button', { name: /Open the indexed item/ })).first().click();
		await app.page.waitForURL((url) => url.pathname.endsWith(`/content/articles/${doc.item}`));
	});

	it('offers registry models in a dropdown on a prompt', async () => {
		const model = await directus.request('POST', '/items/ml_models', { body: { name: 'Lab chat', task: 'chat', provider: 'openai-compatible', model_id: 'lab-chat', base_url: 'http://127.0.0.1:9/v1', status: 'active' } });
		expect(model.status, model.text).toBe(200);
		await app.open('/content/ml_prompts/+');
		const select = app.page.locator('.registry-select');
		await select.waitFor();
		await select.locator('.v-input, input').first().click();
		await app.page.getByText('Lab chat (openai-compatible/lab-chat)').waitFor();
		await shot('content-ml-prompt-model');
		await app.page.keyboard.press('Escape');
	});
});
