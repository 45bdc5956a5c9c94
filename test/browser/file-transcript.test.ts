import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTranscriptionServer, type FakeTranscriptionServer } from '../fakes/transcription-server.js';
import { toneWords } from '../support/audio.js';
import { axeViolations, describeViolations, launchBrowser, openApp, setUserPreferences, skipBrowser, type AppPage } from '../support/browser.js';
import { eventually } from '../support/content.js';
import { startDirectus, TMP_ROOT, type DirectusInstance } from '../support/directus.js';

// The transcript panel in a file's detail view, in a real Chromium: an uploaded recording is
// transcribed through the queue; its segments play the audio from their start; SRT downloads.
describe.skipIf(skipBrowser())('file transcript in the browser', () => {
	let directus: DirectusInstance;
	let whisper: FakeTranscriptionServer;
	let browser: Browser;
	let app: AppPage;
	let fileId: string;
	const dir = join(TMP_ROOT, `browser-audio-${process.pid}`);

	beforeAll(async () => {
		mkdirSync(dir, { recursive: true });
		whisper = await startFakeTranscriptionServer();
		[directus, browser] = await Promise.all([
			startDirectus({ env: { ML_TRANSCRIPTION_PROVIDER: 'openai-compatible', ML_TRANSCRIPTION_BASE_URL: whisper.baseUrl, ML_TRANSCRIPTION_PIECE_SECONDS: '10' } }),
			launchBrowser(),
		]);
		const { path } = toneWords(dir, 'panel', 12, 'mp3');
		const form = new FormData();
		form.append('file', new Blob([readFileSync(path)], { type: 'audio/mpeg' }), 'panel.mp3');
		const res = await fetch(`${directus.url}/files`, { method: 'POST', headers: { authorization: `Bearer ${directus.adminToken}` }, body: form });
		fileId = ((await res.json()) as { data: { id: string } }).data.id;
		await eventually(async () => (await directus.request('GET', `/ml/transcripts/${fileId}`)).body?.status === 'completed', 90_000, 'the upload to be transcribed');
		app = await openApp(browser, directus);
	});
	afterEach(() => app?.assertNoConsoleErrors());
	afterAll(async () => {
		await setUserPreferences(directus, { language: null, appearance: null }).catch(() => undefined);
		await app?.close();
		await browser?.close();
		await directus?.stop();
		await whisper?.close();
	});

	it('shows the segments; clicking one plays the recording from its start; SRT downloads', async () => {
		await app.open(`/files/${fileId}`);
		const panel = app.page.locator('.file-transcript');
		const segments = panel.locator('.segments button');
		await expect.poll(() => segments.count()).toBe(3);
		expect(await segments.nth(1).innerText()).toMatch(/^0:03\s+w4 w5 w6 w7$/);
		await segments.nth(1).click();
		const time = await panel.locator('audio').evaluate((el) => (el as unknown as { currentTime: number }).currentTime);
		// w4 starts at 0.3 + 4 × 0.8 = 3.5 s.
		expect(Math.abs(time - 3.5)).toBeLessThan(0.15);

		const [download] = await Promise.all([app.page.waitForEvent('download'), panel.getByRole('button', { name: 'Download SRT' }).click()]);
		const srt = readFileSync((await download.path())!, 'utf8');
		expect(srt).toMatch(/^1\n00:00:00,\d{3} --> 00:00:0\d,\d{3}\nw0 w1 w2 w3\n/);
		expect(download.suggestedFilename()).toBe(`transcript-${fileId}.srt`);

		const violations = await axeViolations(app.page);
		expect(violations, describeViolations(violations)).toEqual([]);
	});

	it('speaks German when the user does', async () => {
		await setUserPreferences(directus, { language: 'de-DE' });
		await app.open(`/files/${fileId}`);
		await expect.poll(() => app.page.locator('.file-transcript').getByRole('button', { name: 'SRT herunterladen' }).count()).toBe(1);
		expect(await app.page.locator('.file-transcript .status').innerText()).toMatch(/3 Segmente · Sprache en · Modell whisper-1/);
	});
});
