import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Locator } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../support/content.js';
import { axeViolations, describeViolations, launchBrowser, openApp, setUserPreferences, skipBrowser, type AppPage } from '../support/browser.js';
import { startDirectus, TMP_ROOT, type DirectusInstance } from '../support/directus.js';

// The ML Evaluation module in a real Chromium on a fresh demo install: the demo set is there,
// two runs are started from the view, and their comparison is shown.
describe.skipIf(skipBrowser())('ML Evaluation in the browser', () => {
	let directus: DirectusInstance;
	let browser: Browser;
	let app: AppPage;

	beforeAll(async () => {
		[directus, browser] = await Promise.all([startDirectus({ seedDemo: true }), launchBrowser()]);
		await eventually(async () => {
			const coverage = (await directus.request('GET', '/ml/indexes/articles/coverage')).body.data;
			return coverage && coverage.items > 0 && coverage.documents.indexed === coverage.items;
		}, 90_000, 'demo articles indexed');
		app = await openApp(browser, directus);
	});
	afterEach(() => app?.assertNoConsoleErrors());
	afterAll(async () => {
		await app?.close();
		await browser?.close();
		await directus?.stop();
	});

	const completedRows = () => app.page.locator('.evaluation tbody tr', { hasText: 'completed' });

	it('runs the demo set from the view, twice, and compares the runs side by side', async () => {
		await app.open('/ml-evaluation');
		const view = app.page.locator('.evaluation');
		await view.getByText('Demo set:').waitFor();
		await expect.poll(() => view.getByText('36 queries').first().isVisible()).toBe(true);

		// Hybrid (the default) from the view; a semantic run through the API meanwhile.
		await view.getByRole('button', { name: 'Run evaluation' }).click();
		await expect.poll(() => completedRows().count(), { timeout: 90_000 }).toBe(1);
		const semantic = await directus.request('POST', '/ml/eval/runs', { body: { set: 'demo-articles', mode: 'semantic' } });
		expect(semantic.status, semantic.text).toBe(202);
		await eventually(async () => (await directus.request('GET', `/ml/eval/runs/${semantic.body.data.id}`)).body.data?.status === 'completed', 90_000, 'semantic run');
		await app.open('/ml-evaluation');
		await expect.poll(() => completedRows().count(), { timeout: 30_000 }).toBe(2);

		const runs = (await directus.request('GET', '/ml/eval/runs?set=demo-articles')).body.data;
		expect(runs.map((r: any) => r.mode)).toEqual(['semantic', 'hybrid']);
		const ndcg = runs.map((r: any) => r.metrics.ndcg10.toFixed(3));

		// Select the hybrid run first (baseline), then the semantic one.
		await completedRows().nth(1).locator('.select').click();
		await completedRows().nth(0).locator('.select').click();
		const summary = view.locator('table.summary');
		await summary.waitFor();
		await expect.poll(() => summary.locator('thead').textContent()).toMatch(/Baseline.*hybrid.*Run 2.*semantic/s);
		const ndcgRow = summary.locator('tbody tr', { hasText: 'nDCG@10' });
		expect(await ndcgRow.textContent()).toContain(ndcg[1]);
		expect(await ndcgRow.textContent()).toContain(ndcg[0]);
		expect(await ndcgRow.textContent()).toMatch(/significant|better|worse/);

		// The per-query table lists every query with both runs' nDCG@10.
		await expect.poll(() => view.locator('.compare .v-table tbody tr').count()).toBe(36);

		mkdirSync(TMP_ROOT, { recursive: true });
		await app.page.screenshot({ path: join(TMP_ROOT, 'ml-evaluation-compare.png'), fullPage: false });
	});

	it('has no critical or serious accessibility violations', async () => {
		await app.open('/ml-evaluation');
		await app.page.locator('.evaluation table.summary, .evaluation .v-table').first().waitFor();
		// Directus's own v-table selection checkbox (role=checkbox with aria-pressed, no name) is the
		// app's component, not the suite's: its findings are left out here; everything else counts.
		const directusCheckbox = (target: string) => /\.select.*\.v-checkbox\[role="checkbox"\]/.test(target);
		const violations = (await axeViolations(app.page))
			.map((v) => ({ ...v, nodes: v.nodes.filter((n) => !directusCheckbox(n.target.join(' '))) }))
			.filter((v) => v.nodes.length > 0);
		expect(violations, describeViolations(violations)).toEqual([]);
	});

	it('speaks German when the user language is German', async () => {
		await setUserPreferences(directus, { language: 'de-DE' });
		try {
			await app.open('/ml-evaluation');
			const view = app.page.locator('.evaluation');
			await view.getByText('Demo-Satz:').waitFor();
			expect(await view.locator('h2').first().innerText()).toBe('Läufe');
			expect(await view.getByRole('button', { name: 'Evaluierung starten' }).count()).toBe(1);
			expect(await view.locator('.v-table thead').innerText()).toContain('Gestartet');
		} finally {
			await setUserPreferences(directus, { language: null });
		}
	});

	/**
	 * Picks an option of the dropdown labelled `name` in `scope` as a person does: one click opens
	 * the menu (it must stay open: the dropdown sits in a <label>, whose own click used to close it
	 * again), one click on an option other than the shown one, and the dropdown then shows it.
	 */
	async function choose(scope: Locator, name: string): Promise<void> {
		const field = scope.locator('label.field').filter({ has: app.page.locator('.type-label').getByText(name, { exact: true }) });
		const input = field.locator('.v-select input');
		await expect.poll(() => input.isEnabled()).toBe(true);
		const shown = await input.inputValue();
		await field.locator('.v-select .v-input').click();
		const options = app.page.locator('.v-menu-content .v-list-item');
		const other = async () => (await options.allInnerTexts()).map((text) => text.trim()).find((text) => text !== '' && text !== shown) ?? '';
		await expect.poll(other).not.toBe('');
		const pick = await other();
		await options.filter({ hasText: new RegExp(`^\\s*${pick.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`) }).click();
		await expect.poll(() => input.inputValue()).toBe(pick);
	}

	it('takes a choice in each dropdown from a click to open it and a click on an option', async () => {
		await app.open('/ml-evaluation');
		const view = app.page.locator('.evaluation');
		await view.getByText('Demo set:').waitFor();
		// The view puts the shown set into the address and loads its runs, which redraws it (and
		// closes an open menu): a person picks once the view has settled.
		await app.page.waitForURL(/[?&]set=/);
		await app.page.waitForLoadState('networkidle');
		// The demo has one set and one embedding model: the dropdowns with a choice to make.
		await choose(view.locator('.run-form'), 'Mode');

		await app.page.locator('[aria-label="Import a BEIR set"]').first().click();
		const drawer = app.page.locator('.import[data-ml-suite]');
		await choose(drawer, 'Index');
		await choose(drawer, 'Corpus id field');
	});
});
