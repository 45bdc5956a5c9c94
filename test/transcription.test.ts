import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTranscriptionServer, type FakeTranscriptionServer } from './fakes/transcription-server.js';
import { ffmpegPath, speech, toneWords } from './support/audio.js';
import { startDirectus, TMP_ROOT, type DirectusInstance } from './support/directus.js';

/**
 * Transcription on a real Directus: files uploaded through Directus's own /files (stored by its
 * storage layer), transcribed by id through a server speaking OpenAI's transcription API that
 * derives its answer from the audio it receives.
 */
describe('transcription', () => {
	let directus: DirectusInstance;
	let whisper: FakeTranscriptionServer;
	const dir = join(TMP_ROOT, `audio-${process.pid}`);

	const upload = async (path: string, type: string, token: string = directus.adminToken): Promise<string> => {
		const form = new FormData();
		form.append('file', new Blob([readFileSync(path)], { type }), path.split('/').pop());
		const res = await fetch(`${directus.url}/files`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
		const body = (await res.json()) as { data: { id: string } };
		expect(res.status, JSON.stringify(body)).toBe(200);
		return body.data.id;
	};
	const transcriptRows = async (fileId: string): Promise<Record<string, unknown>[]> => (await directus.request('GET', `/items/ml_transcripts?filter[file][_eq]=${fileId}&fields=*`)).body.data;

	beforeAll(async () => {
		mkdirSync(dir, { recursive: true });
		whisper = await startFakeTranscriptionServer({ apiKey: 'sk-test-transcription' });
		directus = await startDirectus({
			env: {
				ML_TRANSCRIPTION_PROVIDER: 'openai-compatible',
				ML_TRANSCRIPTION_MODEL: 'whisper-1',
				ML_TRANSCRIPTION_BASE_URL: whisper.baseUrl,
				ML_TRANSCRIPTION_API_KEY_ENV: 'ML_WHISPER_API_KEY',
				ML_WHISPER_API_KEY: 'sk-test-transcription',
				ML_TRANSCRIPTION_PIECE_SECONDS: '10',
				ML_TRANSCRIPTION_OVERLAP_SECONDS: '2',
				ML_TRANSCRIPTION_MAX_FILE_MB: '1',
				ML_TRANSCRIPTION_MAX_DURATION_SECONDS: '120',
				ML_TRANSCRIPTION_BASE64_MAX_MB: '1',
				ML_USAGE_FLUSH_MS: '200',
			},
		});
	});
	afterAll(async () => {
		await directus?.stop();
		await whisper?.close();
	});

	it('reports what it runs with: model, ffmpeg, decodable formats, languages', async () => {
		const health = await directus.request('GET', '/ml/transcription/health');
		expect(health.status, health.text).toBe(200);
		expect(health.body).toMatchObject({ status: 'ok', available: true, backend: 'openai-compatible/whisper-1' });
		expect(health.body.decoder.version).toMatch(/^ffmpeg version/);
		expect(JSON.stringify(health.body)).not.toContain('sk-test-transcription');
		const formats = await directus.request('GET', '/ml/transcription/formats');
		expect(formats.body.formats).toEqual(expect.arrayContaining(['wav', 'mp3', 'ogg', 'm4a', 'mp4', 'flac', 'webm']));
		const languages = await directus.request('GET', '/ml/transcription/languages');
		expect(languages.body.languages).toEqual(expect.arrayContaining([{ code: 'en', name: 'english' }, { code: 'de', name: 'german' }]));
		for (const path of ['/ml/transcription/health', '/ml/transcription/formats', '/ml/transcription/languages']) {
			expect((await directus.request('GET', path, { token: null })).status).toBe(401);
		}
	});

	it.each([
		['wav', 'audio/wav'],
		['mp3', 'audio/mpeg'],
		['ogg', 'audio/ogg'],
		['m4a', 'audio/mp4'],
		['mp4', 'video/mp4'],
	] as const)('transcribes espeak-ng speech uploaded as %s, stores the transcript and exports SRT, VTT and text', async (format, type) => {
		const path = speech(dir, `hello-${format}`, 'Hello from the transcription test. This is the second sentence of the recording.', format);
		const fileId = await upload(path, type);
		const before = whisper.requests.length;
		const res = await directus.request('POST', '/ml/transcription/audio', { body: { fileId } });
		expect(res.status, res.text).toBe(200);
		const sent = whisper.requests.slice(before);
		expect(sent).toHaveLength(1);
		expect(sent[0]!.authorization).toBe('Bearer sk-test-transcription');
		const t = res.body.transcription;
		// The duration is the file's, decoded; the server heard the same audio.
		expect(Math.abs(t.duration - sent[0]!.duration)).toBeLessThan(0.15);
		expect(t.duration).toBeGreaterThan(3);
		expect(t).toMatchObject({ language: 'en', model: 'whisper-1' });
		expect(t.segments.length).toBeGreaterThan(0);
		expect(t.text).toMatch(/^speech0 speech1/);
		for (const s of t.segments) expect(s.end).toBeLessThanOrEqual(t.duration + 0.05);

		const rows = await transcriptRows(fileId);
		expect(rows).toHaveLength(1);
		expect(rows[0]).toMatchObject({ id: res.body.transcript_id, status: 'completed', progress: 100, language: 'en', model: 'whisper-1', text: t.text });
		expect(rows[0]!.segments).toEqual(t.segments);

		const srt = await directus.request('GET', `/ml/transcripts/${fileId}/srt`);
		expect(srt.status).toBe(200);
		expect(srt.headers.get('content-type')).toMatch(/application\/x-subrip/);
		expect(srt.headers.get('content-disposition')).toContain(`transcript-${fileId}.srt`);
		expect(srt.text).toMatch(/^1\n00:00:\d\d,\d{3} --> 00:00:\d\d,\d{3}\nspeech0/);
		const vtt = await directus.request('GET', `/ml/transcripts/${fileId}/vtt`);
		expect(vtt.headers.get('content-type')).toMatch(/text\/vtt/);
		expect(vtt.text).toMatch(/^WEBVTT\n\n00:00:\d\d\.\d{3} --> /);
		const txt = await directus.request('GET', `/ml/transcripts/${fileId}/txt`);
		expect(txt.text.split('\n')).toHaveLength(t.segments.length);
		const json = await directus.request('GET', `/ml/transcripts/${fileId}`);
		expect(json.body).toMatchObject({ file: fileId, status: 'completed', segments: t.segments });
	});

	it('splits a long recording into overlapping pieces and stitches the words back once, at the right times', async () => {
		const { path, words } = toneWords(dir, 'tones-long', 60, 'ogg');
		const fileId = await upload(path, 'audio/ogg');
		const before = whisper.requests.length;
		const res = await directus.request('POST', '/ml/transcription/audio', { body: { fileId, language: 'de' } });
		expect(res.status, res.text).toBe(200);
		const sent = whisper.requests.slice(before);
		expect(sent.length).toBe(6);
		expect(sent.every((r) => r.duration <= 10.1 && r.language === 'de')).toBe(true);
		const heard = (res.body.transcription.segments as { words: { word: string; start: number; end: number }[] }[]).flatMap((s) => s.words);
		expect(heard.map((w) => w.word)).toEqual(words.map((w) => w.word));
		heard.forEach((w, i) => expect(Math.abs(w.start - words[i]!.start)).toBeLessThan(0.1));
		expect(res.body.transcription.language).toBe('de');
	});

	it('records usage in audio seconds, priced per minute', async () => {
		await new Promise((r) => setTimeout(r, 600));
		const usage = await directus.request('GET', '/items/ml_usage?filter[capability][_eq]=transcription&fields=audio_seconds,cost,status,source,collection&limit=-1');
		expect(usage.body.data.length).toBeGreaterThanOrEqual(11);
		for (const row of usage.body.data) {
			expect(row).toMatchObject({ status: 'success', source: 'route:POST /ml/transcription/audio', collection: 'directus_files' });
			expect(row.audio_seconds).toBeGreaterThan(0);
			// whisper-1 is seeded at $0.006 per minute.
			expect(row.cost).toBeCloseTo((row.audio_seconds / 60) * 0.006, 6);
		}
	});

	it('transcribes base64 audio without storing it, within a size limit', async () => {
		const path = speech(dir, 'b64', 'Short base64 clip.', 'mp3');
		const res = await directus.request('POST', '/ml/transcription/audio/base64', { body: { audio: readFileSync(path).toString('base64'), filename: 'clip.mp3' } });
		expect(res.status, res.text).toBe(200);
		expect(res.body.transcription.text).toMatch(/^speech0/);
		const bad = await directus.request('POST', '/ml/transcription/audio/base64', { body: { audio: 'not base64 at all!', filename: 'x.mp3' } });
		expect(bad.status).toBe(400);
		expect(bad.text).toMatch(/audio.*base64/);
		const big = await directus.request('POST', '/ml/transcription/audio/base64', { body: { audio: 'A'.repeat(1_500_000), filename: 'x.wav' } });
		// Directus's own MAX_PAYLOAD_SIZE (1 MB by default) or the suite's limit: either way 413.
		expect(big.status).toBe(413);
	});

	it('refuses bad input with a clear 4xx and writes nothing', async () => {
		const notAudio = join(dir, 'notes.txt');
		writeFileSync(notAudio, 'meeting notes, not a recording\n'.repeat(40));
		const textId = await upload(notAudio, 'text/plain');
		const image = join(dir, 'still.png');
		execFileSync(ffmpegPath(), ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=red:s=32x32:d=1', '-frames:v', '1', image]);
		const imageId = await upload(image, 'image/png');
		const m4a = readFileSync(toneWords(dir, 'to-damage', 10, 'm4a').path);
		const damaged = join(dir, 'damaged.m4a');
		writeFileSync(damaged, m4a.subarray(0, Math.floor(m4a.length / 2)));
		const damagedId = await upload(damaged, 'audio/mp4');
		const bigWav = toneWords(dir, 'big', 45, 'wav').path; // ~1.1 MB > ML_TRANSCRIPTION_MAX_FILE_MB=1
		const bigId = await upload(bigWav, 'audio/wav');
		const longPath = join(dir, 'long-silence.mp3');
		execFileSync(ffmpegPath(), ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'anullsrc=r=8000:cl=mono', '-t', '130', '-b:a', '8k', longPath]);
		const longId = await upload(longPath, 'audio/mpeg');
		const before = whisper.requests.length;

		const cases: [unknown, number, RegExp][] = [
			[{ fileId: textId }, 415, /not an audio or video file|no audio stream/],
			[{ fileId: imageId }, 415, /no audio stream/],
			[{ fileId: damagedId }, 415, /damaged|not an audio or video file/],
			[{ fileId: bigId }, 413, /ML_TRANSCRIPTION_MAX_FILE_MB/],
			[{ fileId: longId }, 413, /ML_TRANSCRIPTION_MAX_DURATION_SECONDS/],
			[{ fileId: '7d2c7a4e-1111-4222-8333-944455556666' }, 403, /does not exist/],
			[{ fileId: 'not-a-uuid' }, 400, /fileId/],
			[{}, 400, /fileId/],
			[{ path: '/etc/passwd' }, 400, /never a path or URL/],
			[{ fileId: textId, url: 'http://example.com/a.mp3' }, 400, /never a path or URL/],
			[{ fileId: textId, language: 'klingon' }, 400, /language/],
		];
		for (const [body, status, message] of cases) {
			const res = await directus.request('POST', '/ml/transcription/audio', { body });
			expect(res.status, `${JSON.stringify(body)} → ${res.text}`).toBe(status);
			expect(res.body.errors[0].message).toMatch(message);
		}
		expect(whisper.requests.length).toBe(before);
		for (const id of [textId, imageId, damagedId, bigId, longId]) expect(await transcriptRows(id)).toEqual([]);
		expect((await directus.request('GET', `/ml/transcripts/${textId}/srt`)).status).toBe(403);
	});

	it('follows Directus permissions on the file: a caller who may not read it gets the same answer as for an unknown file', async () => {
		const fileId = await upload(speech(dir, 'private', 'Private words.', 'mp3'), 'audio/mpeg');
		await directus.request('POST', '/ml/transcription/audio', { body: { fileId } });
		const outsider = await directus.createUser({ email: 'no-files@example.com', permissions: [{ collection: 'ml_models', action: 'read' }] });
		const reader = await directus.createUser({ email: 'files@example.com', permissions: [{ collection: 'ml_models', action: 'read' }, { collection: 'directus_files', action: 'read' }] });
		const denied = await directus.request('POST', '/ml/transcription/audio', { token: outsider, body: { fileId } });
		const unknown = await directus.request('POST', '/ml/transcription/audio', { token: outsider, body: { fileId: '7d2c7a4e-1111-4222-8333-944455556666' } });
		expect(denied.status).toBe(403);
		expect(denied.body.errors[0].message.replace(fileId, 'X')).toBe(unknown.body.errors[0].message.replace('7d2c7a4e-1111-4222-8333-944455556666', 'X'));
		expect((await directus.request('GET', `/ml/transcripts/${fileId}/vtt`, { token: outsider })).status).toBe(403);
		const allowed = await directus.request('GET', `/ml/transcripts/${fileId}/vtt`, { token: reader });
		expect(allowed.status).toBe(200);
		expect(allowed.text).toMatch(/^WEBVTT/);
		const transcribed = await directus.request('POST', '/ml/transcription/audio', { token: reader, body: { fileId } });
		expect(transcribed.status, transcribed.text).toBe(200);
	});

	it('with no transcription model: 503 naming what to set, health says so, uploads still work', async () => {
		const models = await directus.request('GET', '/items/ml_models?filter[task][_eq]=transcription&fields=id');
		const ids = (models.body.data as { id: string }[]).map((m) => m.id);
		expect(ids.length).toBe(1);
		await directus.request('PATCH', `/items/ml_models/${ids[0]}`, { body: { status: 'disabled' } });
		try {
			const fileId = await upload(speech(dir, 'unconfigured', 'Nobody will transcribe this.', 'wav'), 'audio/wav');
			const res = await directus.request('POST', '/ml/transcription/audio', { body: { fileId } });
			expect(res.status).toBe(503);
			expect(res.body.errors[0].extensions.code).toBe('NOT_CONFIGURED');
			expect(res.body.errors[0].message).toMatch(/ML_TRANSCRIPTION_PROVIDER.*ML_TRANSCRIPTION_MODEL/);
			const health = await directus.request('GET', '/ml/transcription/health');
			expect(health.body).toMatchObject({ status: 'unavailable', available: false, backend: null });
			expect(health.body.message).toMatch(/ML_TRANSCRIPTION_PROVIDER/);
			expect(await transcriptRows(fileId)).toEqual([]);
		} finally {
			await directus.request('PATCH', `/items/ml_models/${ids[0]}`, { body: { status: 'active' } });
		}
	});
});
