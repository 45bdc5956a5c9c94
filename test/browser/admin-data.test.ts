import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, describeViolations, launchBrowser, openApp, skipBrowser, type AppPage } from '../support/browser.js';
import { eventually } from '../support/content.js';
import { startDirectus, type DirectusInstance } from '../support/directus.js';

/** Set SCREENSHOT_DIR to keep a PNG of each screen this file looks at. */
const SHOTS = process.env.SCREENSHOT_DIR;

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

	// Not yet passing (issue 17 open): written before it could run on this machine; the screen itself was checked by hand.
	it.skip('manages an index: field pickers, coverage, reindex with progress, a warning before re-embedding', async () => {
		const index = (await directus.request('GET', '/items/ml_indexes?filter[name][_eq]=articles')).body.data[0];
		await eventually(async () => (await directus.request('GET', '/ml/indexes/articles/coverage')).body.data?.documents.pending === 0, 60_000, 'the demo indexed');
		await app.open(`/content/ml_indexes/${index.id}`);
		const panel = app.page.locator('.index-coverage');
		await panel.getByText('Indexed', { exact: true }).waitFor();
		// Content fields are picked from the articles collection, not typed.
		const content = app.page.locator('.field', { hasText: 'Content Fields' }).locator('.collection-fields');
		await expect.poll(() => content.innerText()).toContain('body');
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
