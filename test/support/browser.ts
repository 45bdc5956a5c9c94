import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { AxeResults, Result as AxeViolation } from 'axe-core';
import { ADMIN_EMAIL, ADMIN_PASSWORD, type DirectusInstance } from './directus.js';
import { IN_CI } from './services.js';

/**
 * Browser tests: `playwright-core` driving the machine's Chromium (Debian's `chromium` package;
 * `npx playwright install` is neither needed nor possible offline). Outside CI a missing
 * Chromium skips the browser suites with a message; with CI=true they run and fail loudly.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// A file that drives the browser needs the admin app served (the integration projects turn it off
// for the others: test/support/directus.ts). Each test file runs in its own worker process.
process.env.ML_TEST_SERVE_APP = 'true';

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'];

/** True when the browser suite should be skipped (no Chromium and not in CI). Prints why. */
export function skipBrowser(): boolean {
	if (existsSync(CHROMIUM_PATH)) return false;
	if (IN_CI) return false; // run anyway and fail loudly
	console.warn(`\n[skip] browser tests: no Chromium at ${CHROMIUM_PATH}; install it with:\n  apt-get install -y chromium\n(or set CHROMIUM_PATH)\n`);
	return true;
}

export async function launchBrowser(): Promise<Browser> {
	return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

export interface AppPageOptions {
	/** Default: the admin. */
	email?: string;
	password?: string;
	/** Default 1440×900, the size the issue was reported at. */
	viewport?: { width: number; height: number };
}

/**
 * One logged-in browser tab on the Directus app. Every console error and uncaught page error
 * is collected; `assertNoConsoleErrors()` fails the test with them (call it in `afterEach`).
 */
export interface AppPage {
	page: Page;
	context: BrowserContext;
	/** Console errors and uncaught exceptions seen since the last `assertNoConsoleErrors()`. */
	errors: string[];
	/** Opens an app route, e.g. `/ml-playground` (the `/admin` prefix is added). */
	open(route: string): Promise<void>;
	/** Throws with every collected error, then clears the list. */
	assertNoConsoleErrors(): void;
	close(): Promise<void>;
}

/**
 * Browser noise that is not an application error: the app's silent session refresh before
 * login answers 400/401, and Chromium asks for a /favicon.ico that Directus does not serve.
 */
function benign(text: string, url: string): boolean {
	if (!text.startsWith('Failed to load resource')) return false;
	return /status of 40[01]/.test(text) || new URL(url, 'http://x').pathname === '/favicon.ico';
}

export async function openApp(browser: Browser, directus: DirectusInstance, options: AppPageOptions = {}): Promise<AppPage> {
	const context = await browser.newContext({ viewport: options.viewport ?? { width: 1440, height: 900 }, baseURL: directus.url });
	// Directus 12 greets a fresh project with a license dialog and a "set a project owner" dialog
	// that cover the screen. An admin answers them once; the tests start from there.
	await context.addCookies([{ name: 'license-onboarding-dismissed', value: 'true', url: directus.url }]);
	const owner = await directus.request('POST', '/settings/owner', { body: { project_owner: ADMIN_EMAIL, product_updates: false, project_usage: 'personal', org_name: null } });
	if (owner.status >= 300) throw new Error(`POST /settings/owner: ${owner.status} ${owner.text}`);
	const page = await context.newPage();
	// Generous: the app is a large bundle and CI shares two cores.
	page.setDefaultTimeout(60_000);
	page.setDefaultNavigationTimeout(90_000);
	const errors: string[] = [];
	page.on('console', (message) => {
		if (message.type() !== 'error') return;
		const text = message.text();
		const where = message.location().url;
		if (benign(text, where)) return;
		errors.push(`console.error: ${text}${where ? ` (${where})` : ''}`);
	});
	page.on('pageerror', (error) => errors.push(`uncaught: ${error.stack ?? error.message}`));

	// The real login page, as a person signs in.
	await page.goto('/admin/login', { waitUntil: 'domcontentloaded' });
	await page.locator('input[type="email"]').fill(options.email ?? ADMIN_EMAIL);
	await page.locator('input[type="password"]').fill(options.password ?? ADMIN_PASSWORD);
	await page.locator('button[type="submit"]').click({ timeout: 90_000 });
	await page.waitForURL((url) => !url.pathname.endsWith('/login'), { timeout: 90_000 });
	await page.locator('.private-view').first().waitFor({ timeout: 90_000 });

	return {
		page,
		context,
		errors,
		async open(route) {
			await page.goto(`/admin${route.startsWith('/') ? route : `/${route}`}`, { waitUntil: 'domcontentloaded' });
			await page.locator('.private-view').first().waitFor({ timeout: 90_000 });
		},
		assertNoConsoleErrors() {
			const seen = errors.splice(0);
			if (seen.length > 0) throw new Error(`The page logged ${seen.length} error(s):\n${seen.join('\n')}`);
		},
		async close() {
			await context.close();
		},
	};
}

const require = createRequire(import.meta.url);
let axeSource: string | null = null;

export interface AxeOptions {
	/**
	 * CSS selectors of the regions to check. Default: everything the suite renders (its views,
	 * drawers and dialogs carry `data-ml-suite`); Directus's own chrome is Directus's to fix.
	 */
	include?: string[];
	/** Impacts that fail the check. Default: critical and serious. */
	impacts?: AxeViolation['impact'][];
	/** CSS selectors left out of the check. Default: `DIRECTUS_COMPONENT_DEFECTS`. */
	exclude?: string[];
}

/**
 * Parts of Directus's own components, used inside suite screens, that fail axe-core in a way no
 * caller can fix: the table header's sort menu button (`v-table`, Directus 12.4) is labelled
 * "Sort Ascending" while it shows the column name (label-content-name-mismatch). The suite fixes
 * what it can around Directus components (it replaces v-pagination's unlabelled icon buttons and
 * the v-chip that marks itself aria-pressed); these stay Directus's to fix.
 */
export const DIRECTUS_COMPONENT_DEFECTS = ['.v-table th .header-btn'];

/** Runs axe-core (injected into the page) and returns the violations at the given impacts. */
export async function axeViolations(page: Page, options: AxeOptions = {}): Promise<AxeViolation[]> {
	axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
	const hasAxe = await page.evaluate(() => typeof (window as unknown as { axe?: unknown }).axe === 'object');
	// Evaluated through the DevTools protocol: the app's CSP refuses inline <script> tags.
	if (!hasAxe) await page.evaluate(axeSource);
	// A dialog or drawer still fading in has its text at partial opacity: axe would measure the
	// blend. Let finite animations and transitions finish first (spinners run forever: skipped).
	await page.evaluate(async () => {
		const finite = document.getAnimations().filter((a) => Number.isFinite(Number(a.effect?.getComputedTiming().endTime ?? Infinity)));
		await Promise.race([Promise.all(finite.map((a) => a.finished.catch(() => undefined))), new Promise((resolve) => setTimeout(resolve, 3_000))]);
	});
	const include = options.include ?? ['[data-ml-suite]'];
	const exclude = options.exclude ?? DIRECTUS_COMPONENT_DEFECTS;
	const results = await page.evaluate(
		async ({ selectors, skipped }) => {
			const axe = (window as unknown as { axe: { run(context: unknown, options: unknown): Promise<AxeResults> } }).axe;
			const present = selectors.flatMap((s) => [...document.querySelectorAll(s)]);
			if (present.length === 0) throw new Error(`axe: nothing matches ${selectors.join(', ')}`);
			const left = skipped.flatMap((s) => [...document.querySelectorAll(s)]);
			return axe.run(left.length > 0 ? { include: present, exclude: left } : { include: present }, { resultTypes: ['violations'] });
		},
		{ selectors: include, skipped: exclude },
	);
	const impacts = options.impacts ?? ['critical', 'serious'];
	return results.violations.filter((v) => impacts.includes(v.impact));
}

/** A readable summary of violations for an assertion message. */
export function describeViolations(violations: AxeViolation[]): string {
	return violations
		.map((v) => `${v.impact} ${v.id}: ${v.help}\n${v.nodes.map((n) => `  ${n.target.join(' ')} — ${n.failureSummary?.split('\n').join(' ') ?? ''}`).join('\n')}`)
		.join('\n');
}

/** Sets the admin's app language and theme through the API (as the user-profile page does). */
export async function setUserPreferences(directus: DirectusInstance, preferences: { language?: string | null; appearance?: 'light' | 'dark' | 'auto' | null }): Promise<void> {
	const res = await directus.request('PATCH', '/users/me', { body: preferences });
	if (res.status !== 200) throw new Error(`PATCH /users/me: ${res.status} ${res.text}`);
}
