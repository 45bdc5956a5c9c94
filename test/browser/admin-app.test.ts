import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, describeViolations, DIRECTUS_COMPONENT_DEFECTS, launchBrowser, openApp, setUserPreferences, skipBrowser, type AppPage } from '../support/browser.js';
import { createCollection, eventually } from '../support/content.js';
import { freshSqliteFile, startDirectus, type DirectusInstance } from '../support/directus.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../fakes/openai-server.js';

// Issue 17's findings outside the module screens' own files, as a first-time admin meets them in a
// real Chromium: one default model per task, internal tables kept out of the Data Model and the
// collection pickers, registry dropdowns in Flow operations, the dead-letter table inside its
// column, Stop and the extractive fallback in the Playground, and Directus 12's Settings → AI keys
// offered by the suite. One Directus boot (demo content, inline queue) and one browser for the file.
describe.skipIf(skipBrowser())('The admin app around the suite', () => {
	let directus: DirectusInstance;
	let browser: Browser;
	let app: AppPage;
	let fake: FakeOpenAIServer;
	const models: Record<'slow' | 'down', string> = { slow: '', down: '' };
	const AI_KEY = 'sk-directus-settings-b7e1';
	const ENV = { ML_QUEUE: 'inline', ML_PROVIDER_MAX_RETRIES: '0', ML_PROVIDER_TIMEOUT_MS: '3000', ML_RECONCILE_INTERVAL_SECONDS: '0' };
	let sqliteFile = '';

	beforeAll(async () => {
		// A chat server that streams slowly (Stop has something to stop), and one that is down.
		fake = await startFakeOpenAIServer({ streamChunkDelayMs: 400, reply: () => Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ') + ' [1]' });
		// A kept SQLite file: the last test restarts Directus on it.
		sqliteFile = (await freshSqliteFile('admin-app')).file;
		[directus, browser] = await Promise.all([startDirectus({ seedDemo: true, sqliteFile, env: ENV }), launchBrowser()]);
		for (const [key, body] of [
			['slow', { name: 'Slow chat', task: 'chat', provider: 'openai-compatible', model_id: 'slow-chat', base_url: fake.baseUrl, status: 'active' }],
			['down', { name: 'Down chat', task: 'chat', provider: 'openai-compatible', model_id: 'down-chat', base_url: 'http://127.0.0.1:9/v1', status: 'active' }],
		] as const) {
			const res = await directus.request('POST', '/items/ml_models', { body });
			expect(res.status, res.text).toBe(200);
			models[key] = res.body.data.id;
		}
		app = await openApp(browser, directus);
	}, 400_000);
	afterEach(() => app?.assertNoConsoleErrors());
	afterAll(async () => {
		await app?.close();
		await browser?.close();
		await directus?.stop();
		await fake?.close();
	}, 120_000);

	async function chatDefaults(): Promise<string[]> {
		const rows = (await directus.request('GET', '/items/ml_models?filter[task][_eq]=chat&filter[is_default][_eq]=true&fields=name')).body.data as { name: string }[];
		return rows.map((r) => r.name).sort();
	}
	async function makeDefault(key: 'slow' | 'down'): Promise<void> {
		const res = await directus.request('PATCH', `/items/ml_models/${models[key]}`, { body: { is_default: true } });
		expect(res.status, res.text).toBe(200);
	}

	it('keeps one default model per task when an admin marks another one default in the form', async () => {
		await makeDefault('slow');
		expect(await chatDefaults()).toEqual(['Slow chat']);
		await app.open(`/content/ml_models/${models.down}`);
		const field = app.page.locator('.field', { hasText: 'Default model for its task' });
		await field.locator('.v-checkbox').click();
		const saved = app.page.waitForResponse((r) => r.url().includes(`/items/ml_models/${models.down}`) && r.request().method() === 'PATCH');
		await app.page.keyboard.press('ControlOrMeta+s');
		expect((await saved).status()).toBe(200);
		await expect.poll(chatDefaults).toEqual(['Down chat']);
		// The list shows one star for the chat task.
		await app.open('/content/ml_models');
		const chatRows = app.page.locator('.v-table tbody tr', { hasText: 'Chat' });
		await expect.poll(() => chatRows.filter({ hasText: 'Down chat' }).innerText()).toContain('Default');
		expect(await chatRows.filter({ hasText: 'Slow chat' }).innerText()).not.toContain('Default');
	});

	it('offers the extractive answer when the chat model is down', async () => {
		await makeDefault('down');
		await app.open('/ml-playground');
		await app.page.getByRole('textbox', { name: /question/i }).fill('How do I write a good article?');
		await app.page.getByRole('button', { name: 'Ask' }).click();
		const offer = app.page.getByRole('button', { name: 'Answer with quotes from the passages instead' });
		await offer.waitFor({ timeout: 60_000 });
		// Chromium logs the failed /ml/ask response itself; that one is the point of this test.
		const expected = (e: string) => /Failed to load resource: the server responded with a status of 5\d\d/.test(e) && e.includes('/ml/ask');
		app.errors.splice(0, app.errors.length, ...app.errors.filter((e) => !expected(e)));
		await offer.click();
		await app.page.locator('.answer').waitFor();
		await expect.poll(() => app.page.locator('section').innerText()).toContain('quoted from the best-matching passages');
		expect(await app.page.locator('.v-notice[type="danger"], .v-notice.danger').count()).toBe(0);
	});

	it('marks a stopped answer as stopped and records the call as cancelled, not as an error', async () => {
		await makeDefault('slow');
		const before = fake.requests.length;
		await app.open('/ml-playground');
		await app.page.getByRole('textbox', { name: /question/i }).fill('How do I write a good article?');
		await app.page.getByRole('button', { name: 'Ask' }).click();
		await expect.poll(() => app.page.locator('.answer').innerText().catch(() => ''), { timeout: 60_000 }).toContain('word1');
		await app.page.getByRole('button', { name: 'Stop' }).click();
		await app.page.getByText('Stopped: the answer above is incomplete.').waitFor();
		expect(await app.page.getByText('Answer with quotes from the passages instead').count()).toBe(0);
		await eventually(async () => fake.requests[before]?.closedByClient, 20_000, 'the upstream chat request to be closed');
		const rows = await eventually(async () => {
			const r = (await directus.request('GET', '/items/ml_usage?filter[model][_eq]=slow-chat&sort=-id&limit=1&fields=status,error_code')).body.data;
			return r.length > 0 ? r : null;
		}, 20_000, 'the usage row of the stopped answer');
		expect(rows[0]).toMatchObject({ status: 'cancelled', error_code: null });
	});

	it('keeps internal tables out of the Data Model and the collection pickers', async () => {
		const internal = ['ml_vectors', 'ml_vector_namespaces', 'ml_embedding_cache', 'ml_queue_jobs', 'ml_queue_dead_letters', 'ml_locks'];
		await app.open('/settings/data-model');
		const list = app.page.locator('.private-view');
		await expect.poll(() => list.innerText()).toContain('articles');
		for (const name of internal) expect(await list.innerText(), name).not.toContain(name);

		// The index form's collection picker (Directus's own system-collection interface).
		await app.open('/content/ml_indexes/+');
		const collectionField = app.page.locator('.field', { hasText: 'The collection to index.' });
		await collectionField.locator('.v-input, input').first().click();
		const menu = app.page.locator('.v-menu-content').last();
		await menu.getByText('articles', { exact: false }).first().waitFor();
		const choices = await menu.innerText();
		for (const name of internal) expect(choices, name).not.toContain(name);
		await app.page.keyboard.press('Escape');
	});

	it('feeds index, model and prompt choices of Flow operations from the registry', async () => {
		const flow = await directus.request('POST', '/flows', { body: { name: 'Ask about articles', icon: 'bolt', status: 'active', trigger: 'manual', accountability: 'all', options: { collections: ['articles'] } } });
		expect(flow.status, flow.text).toBe(200);
		const operation = await directus.request('POST', '/operations', { body: { flow: flow.body.data.id, key: 'ask', name: 'Ask', type: 'ml-ask', position_x: 19, position_y: 1, options: {} } });
		expect(operation.status, operation.text).toBe(200);
		await app.open(`/settings/flows/${flow.body.data.id}/${operation.body.data.id}`);
		const selects = app.page.locator('.registry-select');
		await expect.poll(() => selects.count()).toBeGreaterThanOrEqual(2);
		const drawer = app.page.locator('.v-drawer').last();
		expect(await drawer.innerText()).not.toContain('ML Models → Indexes');
		await selects.first().locator('.v-input, input').first().click();
		await app.page.locator('.v-menu-content').last().getByText(/\(articles · articles\)/).first().waitFor();
		await app.page.keyboard.press('Escape');
		const chat = app.page.locator('.field', { hasText: 'Chat model' }).locator('.registry-select');
		await chat.locator('.v-input, input').first().click();
		await app.page.locator('.v-menu-content').last().getByText('Slow chat (openai-compatible/slow-chat)').first().waitFor();
		await app.page.keyboard.press('Escape');
	});

	it('keeps the dead-letter table and its error stacks inside the column', async () => {
		// An index whose embedding server is down: its job fails every attempt and ends as a dead letter.
		await createCollection(directus, 'memos', { title: 'string', body: 'text' });
		const model = await directus.request('POST', '/items/ml_models', {
			body: { name: 'Down embeddings', task: 'embedding', provider: 'openai-compatible', model_id: 'down-embed', base_url: 'http://127.0.0.1:9/v1', dimensions: 8, status: 'active' },
		});
		expect(model.status, model.text).toBe(200);
		const index = await directus.request('POST', '/items/ml_indexes', { body: { name: 'memos', collection: 'memos', title_field: 'title', content_fields: ['body'], embedding_model: model.body.data.id } });
		expect(index.status, index.text).toBe(200);
		expect((await directus.request('POST', '/items/memos', { body: { title: 'a', body: 'text that cannot be embedded today' } })).status).toBe(200);
		await eventually(async () => (await directus.request('GET', '/ml/dead-letter')).body.data.total > 0, 120_000, 'a dead letter');

		await app.open('/ml-queue');
		await app.page.locator('.queue-module .v-tab', { hasText: 'Dead letters' }).click();
		const wrap = app.page.locator('.dead-letters .table-wrap');
		await wrap.locator('tbody tr').first().waitFor();
		const fits = async (selector: string, outer: string) =>
			app.page.evaluate(
				({ selector, outer }) => {
					const el = document.querySelector(selector)!;
					const box = el.getBoundingClientRect();
					const column = document.querySelector(outer)!.getBoundingClientRect();
					return { right: Math.round(box.right), columnRight: Math.round(column.right), scroll: el.scrollWidth, client: el.clientWidth };
				},
				{ selector, outer },
			);
		const table = await fits('.dead-letters .table-wrap', '.queue-module');
		expect(table.right).toBeLessThanOrEqual(table.columnRight);
		expect(table.scroll, 'the table scrolls sideways').toBeLessThanOrEqual(table.client + 1);

		await wrap.locator('button.reason').first().click();
		const stack = app.page.locator('.stack-card pre.stack').first();
		await stack.waitFor();
		const pre = await fits('.stack-card pre.stack', '.stack-card');
		expect(pre.scroll, 'the stack scrolls sideways').toBeLessThanOrEqual(pre.client + 1);
		expect(pre.right).toBeLessThanOrEqual(pre.columnRight);
		const violations = await axeViolations(app.page);
		expect(violations, describeViolations(violations)).toEqual([]);
		await app.page.keyboard.press('Escape');
	});

	it('shows the suite collections and Flow operations in the language the admin picks', async () => {
		const flow = await directus.request('POST', '/flows', { body: { name: 'Fragen', icon: 'bolt', status: 'active', trigger: 'manual', accountability: 'all', options: { collections: ['articles'] } } });
		expect(flow.status, flow.text).toBe(200);
		const operation = await directus.request('POST', '/operations', { body: { flow: flow.body.data.id, key: 'ask', name: 'Ask', type: 'ml-ask', position_x: 19, position_y: 1, options: {} } });
		expect(operation.status, operation.text).toBe(200);
		const rowsIn = async (language: string): Promise<number> =>
			(await directus.request('GET', `/translations?filter[key][_starts_with]=ml_suite_&filter[language][_eq]=${language}&aggregate[count]=*`)).body.data[0].count;
		try {
			await setUserPreferences(directus, { language: 'de-DE' });
			expect(await rowsIn('de-DE')).toBeGreaterThan(100);

			// A model's form: German field names, notes and choices; no bare translation key anywhere.
			await app.open(`/content/ml_models/${models.slow}`);
			const form = app.page.locator('.private-view');
			await expect.poll(() => form.innerText(), { timeout: 30_000 }).toContain('Die ID, die der Anbieter kennt, z. B. text-embedding-3-small oder nomic-embed-text.');
			const formText = await form.innerText();
			expect(formText).toContain('Modell-ID');
			expect(formText).toContain('Anbieter');
			expect(formText).not.toContain('The id the provider knows');
			expect(formText).not.toContain('ml_suite_');

			// The list: German column names and labels.
			await app.open('/content/ml_models');
			await app.page.locator('.v-table tbody tr', { hasText: 'slow-chat' }).first().waitFor();
			const list = await app.page.locator('.v-table').first().innerText();
			expect(list).toContain('Aufgabe');
			expect(list).toContain('Chat / Generierung');
			expect(list).not.toContain('ml_suite_');

			// A Flow operation's form: German name, option names, notes and choices.
			await app.open(`/settings/flows/${flow.body.data.id}/${operation.body.data.id}`);
			const drawer = app.page.locator('.v-drawer').last();
			await expect.poll(() => drawer.innerText(), { timeout: 30_000 }).toContain('Mit {{$trigger.payload.field}} oder {{$last.field}} nach Daten des Flows fragen.');
			const drawerText = await drawer.innerText();
			for (const german of ['Frage', 'Indizes', 'Passagen', 'Berechtigungen', 'Chatmodell', 'Fehlschlagen ohne Antwort']) expect(drawerText).toContain(german);
			expect(drawerText).not.toContain('Passages retrieved');
			await app.page.keyboard.press('Escape');

			// A language without a catalogue: Directus loads that language's rows only, so the suite
			// adds them (in English) as soon as the language is picked, and no key shows bare.
			await setUserPreferences(directus, { language: 'fr-FR' });
			await expect.poll(() => rowsIn('fr-FR'), { timeout: 20_000 }).toBe(await rowsIn('de-DE'));
			await app.open(`/content/ml_models/${models.slow}`);
			await expect.poll(() => form.innerText(), { timeout: 30_000 }).toContain('The id the provider knows, e.g. text-embedding-3-small or nomic-embed-text.');
			expect(await form.innerText()).not.toContain('ml_suite_');
		} finally {
			await setUserPreferences(directus, { language: null });
		}
	}, 400_000);

	it('passes axe on every suite screen in the dark theme too', async () => {
		const index = (await directus.request('GET', '/items/ml_indexes?limit=1&fields=id')).body.data[0];
		const screens = ['/ml-playground', '/ml-queue', '/ml-models', '/ml-evaluation', '/ml-usage', `/content/ml_indexes/${index.id}`];
		const found: string[] = [];
		try {
			await setUserPreferences(directus, { appearance: 'dark' });
			for (const screen of screens) {
				await app.open(screen);
				await app.page.locator('[data-ml-suite]').first().waitFor({ timeout: 60_000 });
				// The dark theme is on: the page background is dark.
				const background = await app.page.evaluate(() => getComputedStyle(document.querySelector('.private-view main, .private-view') as Element).backgroundColor);
				const [r, g, b] = (background.match(/\d+/g) ?? ['255', '255', '255']).map(Number);
				expect(r! + g! + b!, `${screen} background ${background}`).toBeLessThan(3 * 100);
				// Directus's own v-table selection checkbox (role=checkbox with aria-pressed, no name) is
				// the app's component, as in the models and evaluation tests; everything else counts.
				const violations = await axeViolations(app.page, { exclude: [...DIRECTUS_COMPONENT_DEFECTS, '.v-table .select .v-checkbox'] });
				if (violations.length > 0) found.push(`${screen}\n${describeViolations(violations)}`);
			}
		} finally {
			await setUserPreferences(directus, { appearance: null });
		}
		expect(found.join('\n\n')).toBe('');
	}, 400_000);

	// Directus 12 without a license refuses the OpenAI-compatible settings, so this uses the OpenAI
	// key; no call is made (no network here).
	it("offers the models of Directus 12's Settings → AI without showing their key", async () => {
		const saved = await directus.request('PATCH', '/settings', { body: { ai_openai_api_key: AI_KEY, ai_openai_allowed_models: ['gpt-lab-mini'] } });
		expect(saved.status, saved.text).toBe(200);
		const row = await eventually(async () => (await directus.request('GET', '/items/ml_models?filter[model_id][_eq]=gpt-lab-mini&fields=id')).body.data[0] ?? null, 20_000, 'the offered model');
		await app.open('/content/ml_models');
		await app.page.locator('.v-table tbody tr', { hasText: 'gpt-lab-mini' }).first().waitFor();
		await app.open(`/content/ml_models/${row.id}`);
		// The key is linked by name: the dropdown shows where it lives (in its input), never the key.
		await expect
			.poll(() => app.page.evaluate(() => [...document.querySelectorAll('input')].some((input) => input.value === 'Directus Settings → AI: OpenAI key')), { timeout: 30_000 })
			.toBe(true);
		expect(await app.page.locator('body').innerText()).not.toContain(AI_KEY);
		expect(await app.page.content()).not.toContain(AI_KEY);
	});

	// Runs last: it restarts Directus. The dead letter of the test above, the finished jobs and the
	// chart's history are kept by the inline queue in the database, and job ids continue.
	it('keeps the queue history, dead letters and job ids across a restart', async () => {
		const dead = (await directus.request('GET', '/ml/dead-letter')).body.data;
		expect(dead.total).toBeGreaterThan(0);
		const completed = (await directus.request('GET', '/ml/queues/indexing/jobs?state=completed')).body.data;
		expect(completed.total).toBeGreaterThan(0);
		const lastId = Math.max(...completed.jobs.map((j: { id: string }) => Number(j.id)));

		await app.close();
		await directus.stop();
		directus = await startDirectus({ sqliteFile, env: ENV });
		app = await openApp(browser, directus);

		await app.open('/ml-queue');
		await app.page.getByRole('button', { name: /^indexing/ }).click();
		await app.page.locator('.job-list .v-tab', { hasText: 'completed' }).click();
		const rows = app.page.locator('.job-list tbody tr');
		await expect.poll(() => rows.count(), { timeout: 30_000 }).toBeGreaterThan(0);
		const shown = (await rows.allInnerTexts()).join('\n');
		expect(shown, 'the last finished job, by its id').toMatch(new RegExp(`(^|\\s)${lastId}(\\s|$)`, 'm'));
		expect(Number(/(\d+) done/.exec(await app.page.locator('[data-queue-totals]').first().innerText())?.[1] ?? 0)).toBeGreaterThan(0);

		await app.page.locator('.queue-module .v-tab', { hasText: 'Dead letters' }).click();
		const reasons = app.page.locator('.dead-letters tbody button.reason');
		await expect.poll(() => reasons.count(), { timeout: 30_000 }).toBeGreaterThanOrEqual(Math.min(dead.total, dead.entries.length));
		expect(await reasons.allInnerTexts()).toContain(dead.entries[0].error);

		const next = await directus.request('POST', '/ml/jobs', { body: { name: 'reconcile', data: {} } });
		expect(next.status, next.text).toBe(201);
		expect(Number(next.body.data.id), 'job ids continue after a restart').toBeGreaterThan(lastId);
	}, 400_000);
});
