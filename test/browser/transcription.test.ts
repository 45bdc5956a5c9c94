import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTranscriptionServer, type FakeTranscriptionServer } from '../fakes/transcription-server.js';
import { speechWithPauses } from '../support/audio.js';
import { axeViolations, describeViolations, launchBrowser, openApp, skipBrowser, type AppPage } from '../support/browser.js';
import { eventually } from '../support/content.js';
import { startDirectus, TMP_ROOT, type DirectusInstance } from '../support/directus.js';

// Issue 12 in a real Chromium after a real login: an audio file uploaded through the admin app's
// own file upload is transcribed by the upload hook through the queue; its detail view shows the
// segments, a click plays the audio from the segment, SRT/VTT download, and a search hit's link
// opens the file at the second the words were said.
describe.skipIf(skipBrowser())('Transcripts in the admin app', () => {
	let directus: DirectusInstance;
	let whisper: FakeTranscriptionServer;
	let browser: Browser;
	let app: AppPage;
	let fileId = '';
	let segments: { start: number; end: number; text: string }[] = [];
	const dir = join(TMP_ROOT, `audio-browser-${process.pid}`);
	const phrases = ['The lighthouse keeper counted seagulls.', 'Purple elephants dance at midnight.', 'The bakery sells cinnamon bread.'];

	beforeAll(async () => {
		mkdirSync(dir, { recursive: true });
		whisper = await startFakeTranscriptionServer();
		whisper.hear(phrases);
		[directus, browser] = await Promise.all([
			startDirectus({
				env: {
					ML_TRANSCRIPTION_PROVIDER: 'openai-compatible',
					ML_TRANSCRIPTION_MODEL: 'whisper-1',
					ML_TRANSCRIPTION_BASE_URL: whisper.baseUrl,
				},
			}),
			launchBrowser(),
		]);
		app = await openApp(browser, directus);
	}, 400_000);
	afterEach(() => app?.assertNoConsoleErrors());
	afterAll(async () => {
		await app?.close();
		await browser?.close();
		await directus?.stop();
		await whisper?.close();
	}, 120_000);

	it('uploads a recording through the app; the upload hook transcribes it and the detail view shows the segments', async () => {
		const path = speechWithPauses(dir, 'talk', phrases, 1, 'mp3');
		await app.open('/files/+');
		// The app's own upload control (the file library's "create" page): Directus stores the file and opens it.
		await app.page.locator('input[type="file"]').first().setInputFiles(path);
		// Directus stores it and goes back to the library.
		await app.page.waitForURL((url) => url.pathname === '/admin/files', { timeout: 90_000 });
		const files = await eventually(async () => {
			const res = await directus.request('GET', '/files?filter[filename_download][_eq]=talk.mp3&fields=id,type,filename_download');
			return res.body.data?.length === 1 ? res.body.data : null;
		}, 30_000, 'the uploaded file');
		expect(files[0]).toMatchObject({ type: 'audio/mpeg', filename_download: 'talk.mp3' });
		fileId = files[0].id;
		await app.open(`/files/${fileId}`);

		const panel = app.page.locator('.file-transcript');
		const buttons = panel.locator('ol.segments button.segment');
		// No reload: the panel notices the transcription the upload hook queued, and follows it.
		await expect.poll(() => buttons.count(), { timeout: 120_000 }).toBe(3);
		const stored = await directus.request('GET', `/ml/transcripts/${fileId}`);
		expect(stored.body).toMatchObject({ status: 'completed', attempts: 1 });
		segments = stored.body.segments;
		expect(segments.map((s) => s.text)).toEqual(phrases);
		for (let i = 0; i < 3; i++) expect(await buttons.nth(i).innerText()).toContain(phrases[i]);
		expect(await panel.innerText()).toMatch(/3 segments/);
	});

	it('plays the audio from a segment when it is clicked', async () => {
		await app.open(`/files/${fileId}`);
		const panel = app.page.locator('.file-transcript');
		const player = panel.locator('audio');
		await player.waitFor({ state: 'attached' });
		await expect.poll(() => player.evaluate((el) => (el as HTMLAudioElement).readyState), { timeout: 30_000 }).toBeGreaterThan(0);
		await panel.locator('ol.segments button.segment').nth(1).click();
		const at = await player.evaluate((el) => (el as HTMLAudioElement).currentTime);
		// It starts playing from the segment's start (a few hundred ms may already have played).
		expect(at).toBeGreaterThanOrEqual(segments[1]!.start - 0.01);
		expect(at).toBeLessThan(segments[1]!.end);
		await expect.poll(() => panel.locator('button.segment[aria-current="true"]').innerText(), { timeout: 10_000 }).toContain(phrases[1]);
		await panel.locator('ol.segments button.segment').nth(2).click();
		expect(await player.evaluate((el) => (el as HTMLAudioElement).currentTime)).toBeGreaterThanOrEqual(segments[2]!.start - 0.01);
		await player.evaluate((el) => (el as HTMLAudioElement).pause());
	});

	it('downloads SRT and VTT', async () => {
		await app.open(`/files/${fileId}`);
		const panel = app.page.locator('.file-transcript');
		for (const [format, type, first] of [
			['srt', /application\/x-subrip/, /^1\n00:00:00,\d{3} --> 00:00:0\d,\d{3}\nThe lighthouse keeper/],
			['vtt', /text\/vtt/, /^WEBVTT\n\n00:00:00\.\d{3} --> /],
		] as const) {
			const button = panel.getByRole('button', { name: `Download ${format.toUpperCase()}` });
			const [response, download] = await Promise.all([
				app.page.waitForResponse((r) => r.url().endsWith(`/ml/transcripts/${fileId}/${format}`)),
				app.page.waitForEvent('download'),
				button.click(),
			]);
			expect(response.status()).toBe(200);
			expect(response.headers()['content-type']).toMatch(type);
			expect(download.suggestedFilename()).toBe(`transcript-${fileId}.${format}`);
			const text = await response.text();
			expect(text).toMatch(first);
			expect(text).toContain('Purple elephants dance at midnight.');
		}
	});

	it("opens at the second a search hit's link points to", async () => {
		const hit = await eventually(async () => {
			const res = await directus.request('POST', '/ml/search', { body: { query: 'purple elephants', indexes: ['transcripts'], mode: 'keyword' } });
			return res.body.data?.find((h: { media?: { file: string } }) => h.media?.file === fileId) ?? null;
		}, 60_000, 'the transcript to be searchable');
		expect(hit.link).toBe(`/admin/files/${fileId}?t=${segments[1]!.start}`);
		await app.open(hit.link.replace(/^\/admin/, ''));
		const player = app.page.locator('.file-transcript audio');
		await expect.poll(() => player.evaluate((el) => (el as HTMLAudioElement).currentTime), { timeout: 30_000 }).toBeCloseTo(segments[1]!.start, 2);
		// Not playing by itself (browsers allow that only after a click), but the segment is marked.
		expect(await player.evaluate((el) => (el as HTMLAudioElement).paused)).toBe(true);
		expect(await app.page.locator('.file-transcript button.segment[aria-current="true"]').innerText()).toContain(phrases[1]);
	});

	it('has no critical or serious accessibility violations in the transcript panel', async () => {
		await app.open(`/files/${fileId}`);
		await app.page.locator('.file-transcript ol.segments').waitFor();
		const violations = await axeViolations(app.page, { include: ['.file-transcript'] });
		expect(violations, describeViolations(violations)).toEqual([]);
	});
});
