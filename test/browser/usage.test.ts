import type { Browser, Locator } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, describeViolations, launchBrowser, openApp, setUserPreferences, skipBrowser, type AppPage } from '../support/browser.js';
import { eventually } from '../support/content.js';
import { startDirectus, type DirectusInstance } from '../support/directus.js';

// The Usage module (issue 13) in a real Chromium after a real login: the totals match the
// ml_usage rows, a table row drills down to those rows, a filter narrows the report, CSV export
// downloads, German, and no critical/serious axe-core violations; a custom time range, the budget
// status panel (linking to ml_budgets), the queue throughput and depth charts, the drill-down opened in the
// content module, and a non-admin seeing only their own usage. One Directus boot for the file.
describe.skipIf(skipBrowser())('Usage module in the browser', () => {
	let directus: DirectusInstance;
	let browser: Browser;
	let app: AppPage;
	let calls = 0;
	let budgetId = '';
	let readerCalls = 0;
	const READER = { email: 'usage-reader@example.com', password: 'user-password-for-tests' };

	beforeAll(async () => {
		[directus, browser] = await Promise.all([startDirectus({ env: { ML_USAGE_FLUSH_MS: '200', ACCESS_TOKEN_TTL: '2h', ML_QUEUE_DEPTH_SAMPLE_SECONDS: '1' } }), launchBrowser()]);
		const budget = await directus.request('POST', '/items/ml_budgets', { body: { name: 'Daily tokens', status: 'active', scope: 'global', period: 'day', metric: 'tokens', limit: 1_000_000, action: 'warn' } });
		expect(budget.status, budget.text).toBe(200);
		budgetId = String(budget.body.data.id);
		const readerToken = await directus.createUser({ email: READER.email, permissions: [{ collection: 'ml_models', action: 'read' }], appAccess: true });
		expect((await directus.request('POST', '/ml/embeddings/generate', { token: readerToken, body: { text: 'a reader text' } })).status).toBe(200);
		readerCalls = 1;
		for (const text of ['usage one', 'usage two', 'usage three']) {
			const res = await directus.request('POST', '/ml/embeddings/generate', { body: { text } });
			expect(res.status, res.text).toBe(200);
		}
		const res = await directus.request('POST', '/ml/analysis/sentiment', { body: { text: 'A lovely, helpful article.' } });
		expect(res.status, res.text).toBe(200);
		calls = await eventually(async () => {
			const rows = (await directus.request('GET', '/items/ml_usage?aggregate[count]=*')).body.data[0].count;
			return Number(rows) >= 4 + readerCalls ? Number(rows) : null;
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

	/**
	 * Picks an option of a Directus v-select as a person does: one click opens the menu (it must
	 * stay open: the dropdown sits in a <label>, whose own click used to close it again), one click
	 * on the option, and the dropdown then shows it.
	 */
	async function choose(select: Locator, option: string): Promise<void> {
		await select.locator('.v-input').click();
		await app.page.locator('.v-menu-content .v-list-item').filter({ hasText: new RegExp(`^\\s*${option}\\s*$`) }).click();
		await expect.poll(() => select.locator('input').inputValue()).toBe(option);
	}
	const local = (at: Date): string => {
		const p = (n: number) => String(n).padStart(2, '0');
		return `${at.getFullYear()}-${p(at.getMonth() + 1)}-${p(at.getDate())}T${p(at.getHours())}:${p(at.getMinutes())}`;
	};

	it('reports on a custom time range, and says why a backwards one cannot be shown', async () => {
		await app.open('/ml-usage');
		const total = app.page.locator('[data-total="calls"]');
		await expect.poll(() => total.innerText(), { timeout: 30_000 }).toBe(calls.toLocaleString('en-US'));
		await choose(app.page.locator('[data-control="range"]'), 'Custom range');
		// The range's ends are the browser's own date-time fields, found by their labels as a person
		// finds them. (Directus's v-input puts its attributes on the <input> itself, so there is no
		// wrapper to look inside.) Filling a datetime-local field is entering a whole date and time.
		const from = app.page.getByLabel('From', { exact: true });
		const to = app.page.getByLabel('To', { exact: true });
		await expect.poll(() => from.getAttribute('type')).toBe('datetime-local');
		// A week last year: no calls.
		await from.fill('2025-03-01T00:00');
		await to.fill('2025-03-08T00:00');
		await expect.poll(() => total.innerText(), { timeout: 30_000 }).toBe('0');
		// Backwards: a warning, nothing asked of the API.
		await to.fill('2025-02-01T00:00');
		await expect.poll(() => app.page.locator('[data-notice="range"]').innerText()).toBe('The start must be before the end.');
		// Around now: every call again, in hourly buckets.
		await from.fill(local(new Date(Date.now() - 3 * 3_600_000)));
		await to.fill(local(new Date(Date.now() + 3_600_000)));
		await expect.poll(() => total.innerText(), { timeout: 30_000 }).toBe(calls.toLocaleString('en-US'));
		expect(await app.page.locator('[data-notice="range"]').count()).toBe(0);
		// The grouping dropdown opens and takes a choice the same way.
		await choose(app.page.locator('[data-control="group-by"]'), 'Provider');
		await app.page.locator('[data-chart="requests"] svg').first().waitFor();
		const violations = await axeViolations(app.page);
		expect(violations, describeViolations(violations)).toEqual([]);
	}, 300_000);

	it('shows each budget with its spend, limit, reset and action, linking to ml_budgets', async () => {
		const status = await directus.request('GET', '/ml/budgets/status');
		const entry = status.body.data.budgets.find((b: { id: string }) => String(b.id) === budgetId);
		expect(entry.spent).toBeGreaterThan(0);
		await app.open('/ml-usage');
		const row = app.page.locator('[data-section="budgets"] tbody tr').filter({ hasText: 'Daily tokens' });
		await row.waitFor();
		const text = await row.innerText();
		expect(text).toContain(`${entry.spent.toLocaleString('en-US')} tokens / 1,000,000 tokens`);
		expect(text).toContain('Everyone');
		expect(text).toContain('Day');
		expect(text).toContain('Warn');
		await row.click();
		await app.page.waitForURL(new RegExp(`/admin/content/ml_budgets/${budgetId}$`));
		await app.open('/ml-usage');
		await app.page.locator('[data-action="edit-budgets"]').click();
		await app.page.waitForURL(/\/admin\/content\/ml_budgets$/);
	}, 300_000);

	it('charts the queues\' finished jobs and their sampled depth over the range, with their depth now', async () => {
		await app.open('/ml-usage');
		await app.page.locator('[data-chart="queue"] svg').first().waitFor();
		expect(await app.page.locator('[data-chart="queue"] figcaption').innerText()).toBe('Queue throughput (jobs finished, all queues)');
		// Depth is sampled every second here: the current hour has a point per queue (ML_QUEUE_DEPTH_SAMPLE_SECONDS=1).
		const depth = app.page.locator('[data-chart="queue-depth"]');
		expect(await depth.locator('figcaption').innerText()).toBe('Queue depth (most jobs waiting, active or delayed, per queue)');
		await expect.poll(async () => Number(await depth.getAttribute('data-depth-points')), { timeout: 30_000 }).toBeGreaterThanOrEqual(6);
		await expect.poll(() => depth.locator('.apexcharts-marker').count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(6);
		const legend = await depth.locator('.apexcharts-legend').innerText();
		for (const queue of ['indexing', 'enrichment', 'transcription', 'maintenance']) expect(legend).toContain(queue);
		await expect.poll(() => app.page.locator('[data-queue="depth"]').innerText()).toMatch(/^Queued now: \d+ waiting, \d+ active, \d+ delayed\./);
	}, 300_000);

	it('opens a drill-down in the content module with the same rows', async () => {
		await app.open('/ml-usage');
		const row = app.page.locator('[data-table="main"] tbody tr').filter({ hasText: 'local-hash-384' }).first();
		await row.click();
		const drawer = app.page.locator('[data-drawer="usage-rows"]');
		await expect.poll(() => drawer.locator('tbody tr').count(), { timeout: 20_000 }).toBeGreaterThan(0);
		await app.page.locator('[data-action="open-in-content"]').click();
		await app.page.waitForURL(/\/admin\/content\/ml_usage$/);
		const presets = await directus.request('GET', '/presets?filter[collection][_eq]=ml_usage&filter[bookmark][_null]=true&filter[user][_eq]=$CURRENT_USER');
		expect(presets.body.data.map((p: { filter: unknown }) => JSON.stringify(p.filter))).toEqual([expect.stringContaining('local-hash-384')]);
		// The content module lists the rows of the drill-down's filter. Usage rows are written behind the
		// calls (and background indexing may still call the model), so rows in the range can arrive after
		// the drawer was read: compare the list with the filter's rows read as it is shown.
		const filter = JSON.stringify(presets.body.data[0].filter);
		await expect
			.poll(
				async () => {
					await app.page.reload();
					await app.page.locator('.v-table tbody tr').first().waitFor();
					const listed = await app.page.locator('.v-table tbody tr').count();
					const rows = await directus.request('GET', `/items/ml_usage?filter=${encodeURIComponent(filter)}&fields=id&limit=-1`);
					return listed === Math.min(rows.body.data.length, 25) && listed > 0;
				},
				{ timeout: 60_000 },
			)
			.toBe(true);
	}, 300_000);

	it('shows a non-admin only their own usage, without queue or budget editing', async () => {
		const reader = await openApp(browser, directus, READER);
		try {
			await reader.open('/ml-usage');
			await expect.poll(() => reader.page.locator('.scope-badge').innerText(), { timeout: 30_000 }).toBe('Your usage');
			await expect.poll(() => reader.page.locator('[data-total="calls"]').innerText()).toBe(String(readerCalls));
			await reader.page.locator('[data-section="budgets"] tbody tr').filter({ hasText: 'Daily tokens' }).waitFor();
			expect(await reader.page.locator('[data-action="edit-budgets"]').count()).toBe(0);
			expect(await reader.page.locator('[data-section="queue"]').count()).toBe(0);
			reader.assertNoConsoleErrors();
		} finally {
			await reader.close();
		}
	}, 300_000);

	it('has no critical or serious accessibility violations', async () => {
		await app.open('/ml-usage');
		await app.page.locator('[data-chart="requests"] svg').first().waitFor();
		const violations = await axeViolations(app.page);
		expect(violations, describeViolations(violations)).toEqual([]);
	}, 300_000);

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
