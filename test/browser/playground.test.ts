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
	});
	afterEach(() => app?.assertNoConsoleErrors());
	afterAll(async () => {
		await app?.close();
		await browser?.close();
		await directus?.stop();
	});

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

	it('has no critical or serious accessibility violations', async () => {
		await app.open('/ml-playground');
		await app.page.locator('.playground').waitFor();
		const violations = await axeViolations(app.page);
		expect(violations, describeViolations(violations)).toEqual([]);
	});
});
