import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, describeViolations, launchBrowser, openApp, setUserPreferences, skipBrowser, type AppPage } from '../support/browser.js';
import { createCollection, eventually } from '../support/content.js';
import { startDirectus, type DirectusInstance } from '../support/directus.js';

// The Queue module (and the suite's translations) in a real Chromium, on the inline queue with
// a small indexed collection; one Directus boot and one browser for the file.
// ML_SCREENSHOTS=<dir> also saves light and dark screenshots of each module there.
const SHOTS = process.env.ML_SCREENSHOTS;

describe.skipIf(skipBrowser())('Queue module in the browser', () => {
	let directus: DirectusInstance;
	let browser: Browser;
	let app: AppPage;

	beforeAll(async () => {
		[directus, browser] = await Promise.all([startDirectus({ seedDemo: true, env: { ML_QUEUE: 'inline' } }), launchBrowser()]);
		await createCollection(directus, 'notes', { title: 'string', body: 'text' });
		const index = await directus.request('POST', '/items/ml_indexes', { body: { name: 'notes', collection: 'notes', title_field: 'title', content_fields: ['body'] } });
		expect(index.status, index.text).toBe(200);
		for (const title of ['Alpha', 'Beta', 'Gamma']) {
			const res = await directus.request('POST', '/items/notes', { body: { title, body: `${title} is a note about queues and workers.` } });
			expect(res.status, res.text).toBe(200);
		}
		const reindex = await directus.request('POST', '/ml/indexes/notes/reindex', { body: { force: true } });
		expect(reindex.status, reindex.text).toBe(202);
		await eventually(async () => {
			const res = await directus.request('GET', '/ml/queues/indexing');
			const c = res.body.data.counts;
			return c.waiting + c.prioritized + c.active + c.delayed === 0 && c.completed >= 4;
		}, 60_000, 'indexing jobs to finish');
		app = await openApp(browser, directus);
	}, 400_000);
	afterEach(() => app?.assertNoConsoleErrors());
	afterAll(async () => {
		await setUserPreferences(directus, { language: null, appearance: null }).catch(() => undefined);
		await app?.close();
		await browser?.close();
		await directus?.stop();
	}, 120_000);

	const rows = () => app.page.locator('.job-list tbody tr');
	async function openCompleted(): Promise<void> {
		await app.open('/ml-queue');
		await app.page.getByRole('button', { name: /^indexing/ }).click();
		await app.page.locator('.job-list .v-tab', { hasText: 'completed' }).click();
		await expect.poll(() => rows().count()).toBeGreaterThan(3);
	}

	it('restores the full job list when the search box is cleared', async () => {
		await openCompleted();
		const all = await rows().count();
		const search = app.page.getByRole('textbox', { name: 'Search jobs' });
		await search.fill('reindex');
		await expect.poll(() => rows().count(), { timeout: 15_000 }).toBeLessThan(all);
		await search.press('ControlOrMeta+a');
		await search.press('Backspace');
		await expect.poll(() => rows().count(), { timeout: 15_000 }).toBe(all);
		expect(app.errors).toEqual([]);
	});

	it('shows finished-at, duration and the index of each finished job', async () => {
		await openCompleted();
		const headers = await app.page.locator('.job-list thead th').allInnerTexts();
		expect(headers.map((h) => h.trim())).toEqual(expect.arrayContaining(['Index', 'Item', 'Finished', 'Duration']));
		const itemRow = rows().filter({ hasText: 'index-items' }).first();
		await expect.poll(() => itemRow.innerText()).toContain('notes');
		expect(await itemRow.innerText()).toMatch(/\d+(\.\d)? (ms|s)\b/);
	});

	it('shows only queues that have job types, each card reachable by keyboard', async () => {
		const queues: { queue: string; jobs: string[] }[] = (await directus.request('GET', '/ml/queues')).body.data.queues;
		const withJobs = queues.filter((q) => q.jobs.length > 0).map((q) => q.queue);
		const withoutJobs = queues.filter((q) => q.jobs.length === 0).map((q) => q.queue);
		// Indexing, enrichment (issue 10) and maintenance run jobs; queues no feature uses yet are hidden.
		expect(withJobs).toEqual(expect.arrayContaining(['indexing', 'enrichment', 'maintenance']));
		await app.open('/ml-queue');
		const cards = app.page.locator('.cards > li');
		await expect.poll(() => cards.count()).toBeGreaterThan(0);
		const names = (await app.page.locator('.cards .head strong').allInnerTexts()).map((n) => n.trim());
		expect(names).toEqual(withJobs);
		for (const hidden of withoutJobs) expect(names).not.toContain(hidden);
		const maintenance = app.page.getByRole('button', { name: /^maintenance/ });
		await maintenance.focus();
		await app.page.keyboard.press('Enter');
		await expect.poll(() => app.page.locator('.queue-module > .v-tabs .v-tab').first().innerText()).toContain('maintenance');
		expect(await maintenance.getAttribute('aria-pressed')).toBe('true');
	});

	it('draws the throughput chart with axes and totals that match the cards', async () => {
		await app.open('/ml-queue');
		const chart = app.page.locator('.throughput');
		await chart.locator('svg').first().waitFor();
		// SVG text: read as textContent.
		expect(await chart.locator('.apexcharts-yaxis-title').textContent()).toContain('Jobs per minute');
		expect(await chart.locator('.apexcharts-xaxis-title').textContent()).toContain('Time');
		const cardTotals = await app.page.locator('[data-queue-totals]').allInnerTexts();
		const sum = cardTotals.reduce((n, text) => n + Number(/(\d+) done/.exec(text)?.[1] ?? Number.NaN), 0);
		const chartTotal = Number(/(\d+)/.exec(await chart.locator('[data-total="completed"]').innerText())?.[1]);
		expect(sum).toBeGreaterThanOrEqual(4);
		expect(chartTotal).toBe(sum);
	});

	it('has no critical or serious accessibility violations (overview, job list, job drawer)', async () => {
		await openCompleted();
		let violations = await axeViolations(app.page);
		expect(violations, describeViolations(violations)).toEqual([]);
		await rows().first().click();
		await app.page.locator('.content[data-ml-suite] h3').first().waitFor();
		violations = await axeViolations(app.page);
		expect(violations, describeViolations(violations)).toEqual([]);
		if (SHOTS) await shoot('queue-job-drawer-light');
	});

	it('takes a state for cleaning from a click to open the dropdown and a click on an option', async () => {
		await openCompleted();
		await app.page.getByRole('button', { name: 'Clean…' }).click();
		const field = app.page.locator('.clean-form label.field', { hasText: 'State' });
		const input = field.locator('.v-select input');
		const shown = await input.inputValue();
		// One click opens the menu; it must stay open although the dropdown sits in a <label>, whose
		// own click used to close it again.
		await field.locator('.v-select .v-input').click();
		const options = app.page.locator('.v-menu-content .v-list-item');
		await options.first().waitFor();
		const other = (await options.allInnerTexts()).map((text) => text.trim()).find((text) => text !== shown) ?? '';
		expect(other).not.toBe('');
		await options.filter({ hasText: new RegExp(`^\\s*${other}\\s*$`) }).click();
		await expect.poll(() => input.inputValue()).toBe(other);
		await app.page.locator('.confirm-dialog').getByRole('button', { name: 'Cancel' }).click();
	});

	it('speaks German when the user language is German', async () => {
		await setUserPreferences(directus, { language: 'de-DE' });
		try {
			await app.open('/ml-queue');
			await expect.poll(() => app.page.locator('.job-list .v-tab').first().innerText()).toBe('wartend');
			expect(await app.page.locator('.throughput figcaption').innerText()).toContain('Abgeschlossene Jobs pro Minute');
			await app.open('/ml-playground');
			await app.page.getByRole('button', { name: 'Suchen' }).waitFor();
			expect(await app.page.getByRole('textbox', { name: 'Suchen oder eine Frage stellen' }).count()).toBe(1);
			const violations = await axeViolations(app.page);
			expect(violations, describeViolations(violations)).toEqual([]);
		} finally {
			await setUserPreferences(directus, { language: null });
		}
	});

	it('names the suite modules in German in the module bar', async () => {
		// The tooltip of a module-bar button: Directus draws every v-tooltip in one element,
		// #app-tooltip-content, described by the hovered button. A language change re-renders the
		// buttons and closes an open tooltip, so hover anew until the name shows.
		async function tooltipOf(route: string): Promise<string> {
			await app.page.mouse.move(700, 450);
			await app.page.locator(`.module-bar a[href$="/${route}"]`).hover();
			await app.page.waitForTimeout(800);
			const tooltip = app.page.locator('#app-tooltip-content');
			if ((await tooltip.getAttribute('data-state').catch(() => null)) === 'closed') return '';
			return ((await tooltip.textContent().catch(() => '')) ?? '').trim();
		}
		await setUserPreferences(directus, { language: 'de-DE' });
		try {
			await app.open('/ml-queue');
			const german = { 'ml-queue': 'ML-Warteschlangen', 'ml-playground': 'ML-Playground', 'ml-usage': 'ML-Nutzung', 'ml-models': 'ML-Modelle', 'ml-evaluation': 'ML-Evaluierung' };
			for (const [route, name] of Object.entries(german)) await expect.poll(() => tooltipOf(route), { timeout: 20_000 }).toBe(name);
		} finally {
			await setUserPreferences(directus, { language: null });
		}
		await app.open('/ml-queue');
		await expect.poll(() => tooltipOf('ml-usage'), { timeout: 20_000 }).toBe('ML Usage');
	});

	it.runIf(SHOTS)('saves screenshots of each module in light and dark themes', async () => {
		for (const appearance of ['light', 'dark'] as const) {
			await setUserPreferences(directus, { appearance });
			await openCompleted();
			await shoot(`queue-${appearance}`);
			await app.open('/ml-playground');
			await app.page.getByRole('textbox', { name: /question/i }).fill('How do I write a good article?');
			await app.page.getByRole('button', { name: 'Search' }).click();
			await app.page.locator('.hits li').first().waitFor();
			await shoot(`playground-search-${appearance}`);
			await app.page.getByRole('button', { name: 'Ask' }).click();
			await app.page.locator('.answer').waitFor();
			await shoot(`playground-answer-${appearance}`);
			await app.open('/ml-usage');
			await app.page.locator('[data-chart="requests"] svg').first().waitFor();
			await shoot(`usage-${appearance}`);
			await app.open('/ml-evaluation');
			await app.page.locator('.evaluation').getByText('Demo set:').waitFor();
			await shoot(`evaluation-${appearance}`);
			await app.open('/ml-models');
			await app.page.locator('.models-module tbody tr').first().waitFor();
			await shoot(`models-${appearance}`);
		}
	}, 400_000);

	async function shoot(name: string): Promise<void> {
		if (!SHOTS) return;
		mkdirSync(SHOTS, { recursive: true });
		await app.page.waitForTimeout(300); // let the chart and transitions settle for the picture
		await app.page.screenshot({ path: join(SHOTS, `${name}.png`) });
	}
});
