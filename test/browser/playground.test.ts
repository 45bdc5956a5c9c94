import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, describeViolations, launchBrowser, openApp, skipBrowser, type AppPage } from '../support/browser.js';
import { startDirectus, type DirectusInstance } from '../support/directus.js';

// The Playground module in a real Chromium, logged in through the login page, on the demo
// content (one Directus boot and one browser for the whole file).
describe.skipIf(skipBrowser())('Playground in the browser', () => {
	let directus: DirectusInstance;
	let browser: Browser;
	let app: AppPage;

	beforeAll(async () => {
		[directus, browser] = await Promise.all([startDirectus({ seedDemo: true }), launchBrowser()]);
		app = await openApp(browser, directus);
	}, 400_000);
	afterEach(() => app?.assertNoConsoleErrors());
	afterAll(async () => {
		await app?.close();
		await browser?.close();
		await directus?.stop();
	}, 120_000);

	const question = () => app.page.getByRole('textbox', { name: /question/i });

	it('stays on screen when the question box is cleared', async () => {
		await app.open('/ml-playground');
		await question().fill('ab');
		await question().press('ControlOrMeta+a');
		await question().press('Backspace');
		await expect.poll(() => app.page.locator('.playground').isVisible()).toBe(true);
		await expect.poll(() => app.errors.length).toBe(0);
		expect(await app.page.getByRole('button', { name: 'Search' }).isDisabled()).toBe(true);
	});

	it('stays on screen when the filter box is cleared', async () => {
		await app.open('/ml-playground');
		await app.page.locator('details.filter summary').click();
		const filter = app.page.getByRole('textbox', { name: /filter/i });
		await filter.fill('{');
		await filter.press('ControlOrMeta+a');
		await filter.press('Backspace');
		await expect.poll(() => app.page.locator('.playground').isVisible()).toBe(true);
		await expect.poll(() => app.errors.length).toBe(0);
	});

	it('shows readable relevance with the raw score on hover, readable latency, and sends the limit it shows', async () => {
		await app.open('/ml-playground');
		await question().fill('writing articles');
		// The limit dropdown's shown value (a v-select shows it in its input).
		const limitField = app.page.locator('.controls .field', { hasText: 'Results' });
		const limitShown = (await limitField.locator('input').first().inputValue().catch(() => '')) || (await limitField.innerText());
		expect(limitShown).toMatch(/\d/);
		const sent = app.page.waitForRequest((r) => r.url().endsWith('/ml/search') && r.method() === 'POST');
		await app.page.getByRole('button', { name: 'Search' }).click();
		expect(limitShown).toContain(String((await sent).postDataJSON().limit));
		const first = app.page.locator('.hits li').first();
		await first.waitFor();
		const chip = first.locator('.v-chip', { hasText: 'relevance' });
		expect(await chip.innerText()).toMatch(/^relevance 100%$/);
		expect(await chip.getAttribute('title')).toMatch(/^raw score \d/);
		const summary = await app.page.locator('.summary').innerText();
		expect(summary).toMatch(/\d+ results? in \d+(\.\d)? (ms|s) /);
		expect(summary).not.toMatch(/\d\.\d{3,}/);
	});

	it('takes a mode and a limit from a click to open each dropdown and a click on an option, and searches with them', async () => {
		await app.open('/ml-playground');
		// One click opens the menu; it must stay open although the dropdown sits in a <label>, whose
		// own click used to close it again. One click on the option; the dropdown then shows it.
		async function choose(label: string, option: string): Promise<void> {
			const field = app.page.locator('.controls label.field').filter({ has: app.page.locator('.type-label').getByText(label, { exact: true }) });
			await field.locator('.v-select .v-input').click();
			await app.page.locator('.v-menu-content .v-list-item').filter({ hasText: new RegExp(`^\\s*${option.replace(/[()]/g, '\\$&')}\\s*$`) }).click();
			await expect.poll(() => field.locator('.v-select input').inputValue()).toBe(option);
		}
		await choose('Mode', 'Semantic (meaning)');
		await choose('Results', '5');
		await question().fill('writing articles');
		const sent = app.page.waitForRequest((r) => r.url().endsWith('/ml/search') && r.method() === 'POST');
		await app.page.getByRole('button', { name: 'Search' }).click();
		expect((await sent).postDataJSON()).toMatchObject({ mode: 'semantic', limit: 5 });
	});

	it('does not suggest hybrid mode when hybrid found nothing', async () => {
		await app.open('/ml-playground');
		await question().fill('writing articles');
		await app.page.locator('details.filter summary').click();
		await app.page.getByRole('textbox', { name: /filter/i }).fill('{ "id": { "_eq": -1 } }');
		await app.page.getByRole('button', { name: 'Search' }).click();
		const hint = app.page.locator('.v-notice', { hasText: 'No results' });
		await hint.waitFor();
		const text = await hint.innerText();
		expect(text).not.toContain('hybrid mode');
		expect(text).toContain('looser filter');
	});

	it('says in words that an extractive answer is quoted, not written by a model', async () => {
		await app.open('/ml-playground');
		await question().fill('How do I write a good article?');
		await app.page.getByRole('button', { name: 'Ask' }).click();
		await app.page.locator('.answer').waitFor();
		await expect.poll(() => app.page.locator('section').innerText()).toContain('quoted from the best-matching passages');
	});

	it('has no critical or serious accessibility violations', async () => {
		await app.open('/ml-playground');
		await app.page.locator('.playground').waitFor();
		const violations = await axeViolations(app.page);
		expect(violations, describeViolations(violations)).toEqual([]);
	});
});
