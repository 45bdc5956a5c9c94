import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, describeViolations, launchBrowser, openApp, setUserPreferences, skipBrowser, type AppPage } from '../support/browser.js';
import { eventually } from '../support/content.js';
import { startDirectus, type DirectusInstance } from '../support/directus.js';

// The Usage module (issue 13) in a real Chromium after a real login: the totals match the
// ml_usage rows, a table row drills down to those rows, a filter narrows the report, CSV export
// downloads, German, and no critical/serious axe-core violations. One Directus boot for the file.
describe.skipIf(skipBrowser())('Usage module in the browser', () => {
	let directus: DirectusInstance;
	let browser: Browser;
	let app: AppPage;
	let calls = 0;

	beforeAll(async () => {
		[directus, browser] = await Promise.all([startDirectus({ env: { ML_USAGE_FLUSH_MS: '200' } }), launchBrowser()]);
		for (const text of ['usage one', 'usage two', 'usage three']) {
			const res = await directus.request('POST', '/ml/embeddings/generate', { body: { text } });
			expect(res.status, res.text).toBe(200);
		}
		const res = await directus.request('POST', '/ml/analysis/sentiment', { body: { text: 'A lovely, helpful article.' } });
		expect(res.status, res.text).toBe(200);
		calls = await eventually(async () => {
			const rows = (await directus.request('GET', '/items/ml_usage?aggregate[count]=*')).body.data[0].count;
			return Number(rows) >= 4 ? Number(rows) : null;
		}, 30_000, 'usage rows');
		app = await openApp(browser, directus);
	}, 400_000);
	afterEach(() => app?.assertNoConsoleErrors());
	afterAll(async () => {
		await setUserPreferences(directus, { language: null }).catch(() => undefined);
		await app?.close();
		await browser?.close();
		await directus?.stop();
	}, 120_000);

	it('shows totals that match ml_usage, with charts and top tables', async () => {
		await app.open('/ml-usage');
		const total = app.page.locator('[data-total="calls"]');
		await expect.poll(() => total.innerText(), { timeout: 30_000 }).toBe(calls.toLocaleString('en-US'));
		await app.page.locator('[data-chart="requests"] svg').first().waitFor();
		await app.page.locator('[data-chart="latency"] svg').first().waitFor();
		const mainRows = app.page.locator('[data-table="main"] tbody tr');
		await expect.poll(() => mainRows.count()).toBeGreaterThan(0);
		expect(await mainRows.first().innerText()).toContain('local-hash-384');
	});

	it('drills down from a table row to the ml_usage rows, and on to one row in the content module', async () => {
		await app.open('/ml-usage');
		const row = app.page.locator('[data-table="main"] tbody tr').first();
		await row.waitFor();
		await row.click();
		const drawer = app.page.locator('[data-drawer="usage-rows"]');
		await expect.poll(() => drawer.locator('tbody tr').count(), { timeout: 20_000 }).toBeGreaterThan(0);
		await drawer.locator('tbody tr').first().click();
		await app.page.waitForURL(/\/admin\/content\/ml_usage\/\d+/);
	});

	it('filters the report by a row and exports a table as CSV', async () => {
		await app.open('/ml-usage');
		const byCapability = app.page.locator('[data-table="main"] tbody tr').first();
		await byCapability.waitFor();
		await byCapability.locator('[data-action="filter"]').click();
		await app.page.locator('[data-control="filters"] .filter-chip').first().waitFor();
		expect(await app.page.locator('[data-control="filters"]').innerText()).toContain('Model');
		const [download] = await Promise.all([app.page.waitForEvent('download'), app.page.locator('[data-table="main"] header button').click()]);
		expect(download.suggestedFilename()).toMatch(/^ml-usage-by-model-.*\.csv$/);
	});

	it('has no critical or serious accessibility violations', async () => {
		await app.open('/ml-usage');
		await app.page.locator('[data-chart="requests"] svg').first().waitFor();
		const violations = await axeViolations(app.page);
		expect(violations, describeViolations(violations)).toEqual([]);
	});

	it('speaks German when the user language is German', async () => {
		await setUserPreferences(directus, { language: 'de-DE' });
		try {
			await app.open('/ml-usage');
			await expect.poll(() => app.page.locator('[data-chart="requests"] figcaption').innerText(), { timeout: 30_000 }).toBe('Anfragen');
			expect(await app.page.locator('[data-table="users"] h3').innerText()).toBe('Teuerste Benutzer');
		} finally {
			await setUserPreferences(directus, { language: null });
		}
	});
});
