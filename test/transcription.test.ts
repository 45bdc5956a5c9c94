import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createDirectus, rest, staticToken } from '@directus/sdk';
import { mlTranscribe, mlTranscribeBase64, mlTranscript, mlTranscriptExport, mlTranscriptRetry } from 'directus-extension-ml-suite/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeTranscriptionServer, type FakeTranscriptionServer } from './fakes/transcription-server.js';
import { ffmpegPath, speech, speechWithPauses, toneWords } from './support/audio.js';
import { eventually } from './support/content.js';
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
		const send = (): Promise<Response> => {
			const form = new FormData();
			form.append('file', new Blob([readFileSync(path)], { type }), path.split('/').pop());
			return fetch(`${directus.url}/files`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
		};
		// A pooled keep-alive connection the server has just closed fails the first write (EPIPE): send again on a new one.
		const res = await send().catch(() => send());
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
				MAX_PAYLOAD_SIZE: '4mb',
				// Only FLAC uploads are transcribed automatically here, so the other tests count requests exactly.
				ML_TRANSCRIPTION_AUTO_MIME_TYPES: 'audio/flac',
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
		// espeak-ng speech is heard as bursts of sound, none of them a steady tone.
		expect(t.text).toMatch(/^speech0( speech\d+)+$/);
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
		// 1.5 M base64 characters = 1.1 MB decoded > ML_TRANSCRIPTION_BASE64_MAX_MB=1 (under Directus's MAX_PAYLOAD_SIZE=4mb here).
		const big = await directus.request('POST', '/ml/transcription/audio/base64', { body: { audio: 'A'.repeat(1_500_000), filename: 'x.wav' } });
		expect(big.status, big.text).toBe(413);
		expect(big.body.errors[0].message).toMatch(/ML_TRANSCRIPTION_BASE64_MAX_MB/);
	});

	it('refuses bad input with a clear 4xx and writes nothing', async () => {
		const notAudio = join(dir, 'notes.txt');
		writeFileSync(notAudio, 'meeting notes, not a recording\n'.repeat(40));
		const image = join(dir, 'still.png');
		execFileSync(ffmpegPath(), ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=red:s=32x32:d=1', '-frames:v', '1', image]);
		const m4a = readFileSync(toneWords(dir, 'to-damage', 10, 'm4a').path);
		const damaged = join(dir, 'damaged.m4a');
		writeFileSync(damaged, m4a.subarray(0, Math.floor(m4a.length / 2)));
		const bigWav = toneWords(dir, 'big', 45, 'wav').path; // ~1.1 MB > ML_TRANSCRIPTION_MAX_FILE_MB=1
		const longPath = join(dir, 'long-silence.mp3');
		execFileSync(ffmpegPath(), ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'anullsrc=r=8000:cl=mono', '-t', '130', '-b:a', '8k', longPath]);
		const textId = await upload(notAudio, 'text/plain');
		const imageId = await upload(image, 'image/png');
		const damagedId = await upload(damaged, 'audio/mp4');
		const bigId = await upload(bigWav, 'audio/wav');
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
		// The retry action (the queue path) refuses the same input before anything is queued or written.
		const retries: [string, number, RegExp][] = [
			[textId, 415, /not an audio or video file|no audio stream/],
			[imageId, 415, /no audio stream/],
			[damagedId, 415, /damaged|not an audio or video file/],
			[bigId, 413, /ML_TRANSCRIPTION_MAX_FILE_MB/],
			[longId, 413, /ML_TRANSCRIPTION_MAX_DURATION_SECONDS/],
			['not-a-uuid', 400, /fileId/],
		];
		for (const [id, status, message] of retries) {
			const res = await directus.request('POST', `/ml/transcripts/${id}/retry`, { body: {} });
			expect(res.status, `retry ${id} → ${res.text}`).toBe(status);
			expect(res.body.errors[0].message).toMatch(message);
		}
		// base64 that decodes to something other than audio.
		const b64 = await directus.request('POST', '/ml/transcription/audio/base64', { body: { audio: readFileSync(notAudio).toString('base64'), filename: 'notes.mp3' } });
		expect(b64.status, b64.text).toBe(415);
		expect(whisper.requests.length).toBe(before);
		for (const id of [textId, imageId, damagedId, bigId, longId]) expect(await transcriptRows(id)).toEqual([]);
		expect((await directus.request('GET', `/ml/transcripts/${textId}/srt`)).status).toBe(403);
	});

	it('an upload matching the rules that is not decodable audio: the upload succeeds, the transcript fails at once with the reason, nothing else is written', async () => {
		const flac = readFileSync(toneWords(dir, 'to-break', 10, 'flac').path);
		const broken = join(dir, 'broken.flac');
		writeFileSync(broken, Buffer.concat([flac.subarray(0, 64), Buffer.alloc(4096, 7)]));
		const before = whisper.requests.length;
		const fileId = await upload(broken, 'audio/flac');
		const failed = await eventually(async () => {
			const r = await directus.request('GET', `/ml/transcripts/${fileId}`);
			return r.status === 200 && r.body.status === 'failed' ? r.body : null;
		}, 60_000, 'the broken upload to fail');
		expect(failed.error).toMatch(/damaged|not an audio or video file|no audio stream|audio stream is empty/);
		// Failed at once (not retried with backoff) and never sent to the model; no text, no segments.
		expect(failed).toMatchObject({ attempts: 1, text: null, segments: [] });
		expect(whisper.requests.length).toBe(before);
		const srt = await directus.request('GET', `/ml/transcripts/${fileId}/srt`);
		expect(srt.status).toBe(400);
		expect(srt.body.errors[0].message).toMatch(/failed, not completed/);
		const hits = await directus.request('POST', '/ml/search', { body: { query: 'w1 w2', indexes: ['transcripts'], mode: 'keyword' } });
		expect(hits.body.data.filter((h: { media?: { file: string } }) => h.media?.file === fileId)).toEqual([]);
	});

	it('a content app transcribes and reads transcripts with the @directus/sdk commands, and reads them through /graphql as a restricted user', async () => {
		const fileId = await upload(speech(dir, 'sdk', 'Transcribed through the SDK commands.', 'wav'), 'audio/wav');
		const reader = await directus.createUser({
			email: 'sdk-transcripts@example.com',
			permissions: [
				{ collection: 'ml_models', action: 'read' },
				{ collection: 'directus_files', action: 'read' },
				{ collection: 'ml_transcripts', action: 'read' },
			],
		});
		const client = createDirectus(directus.url).with(staticToken(reader)).with(rest());

		const made = await client.request(mlTranscribe({ fileId, language: 'en' }));
		expect(made.file_id).toBe(fileId);
		expect(made.transcription.text).toMatch(/^speech0( speech\d+)*$/);
		const stored = await client.request(mlTranscript(fileId));
		expect(stored).toMatchObject({ id: made.transcript_id, file: fileId, status: 'completed', text: made.transcription.text, segments: made.transcription.segments });
		const vtt = await client.request(mlTranscriptExport(fileId, 'vtt'));
		expect(vtt).toMatch(/^WEBVTT\n\n00:00:\d\d\.\d{3} --> /);
		const txt = await client.request(mlTranscriptExport(fileId, 'txt'));
		expect(txt.split('\n')).toHaveLength(made.transcription.segments.length);

		const audio = readFileSync(speech(dir, 'sdk-base64', 'Sent inline.', 'wav')).toString('base64');
		const inline = await client.request(mlTranscribeBase64({ audio, filename: 'inline.wav' }));
		expect(inline.transcription.duration).toBeGreaterThan(0.5);

		const retried = await client.request(mlTranscriptRetry(fileId));
		expect(retried).toMatchObject({ queued: true, file: fileId, job: { queue: expect.any(String) } });
		await eventually(async () => (await client.request(mlTranscript(fileId))).status === 'completed', 120_000, 'the retried transcription');

		// Bad input rejects with the Directus error body, as the SDK does for its own commands.
		const failure = await client.request(mlTranscribe({ fileId: 'not-a-uuid' })).then(
			() => null,
			(error: { errors: { message: string }[]; response: Response }) => error,
		);
		expect(failure?.response.status).toBe(400);
		expect(failure?.errors[0]?.message).toMatch(/fileId/);

		// The stored transcript is an ordinary collection in Directus's GraphQL, under the caller's permissions.
		const graphql = await directus.request('POST', '/graphql', { token: reader, body: { query: `{ ml_transcripts(filter: { file: { id: { _eq: "${fileId}" } } }) { status text language } }` } });
		expect(graphql.status, graphql.text).toBe(200);
		expect(graphql.body.data.ml_transcripts).toEqual([{ status: 'completed', text: made.transcription.text, language: 'en' }]);
		const outsider = await directus.createUser({ email: 'sdk-no-transcripts@example.com', permissions: [{ collection: 'directus_files', action: 'read' }] });
		const hidden = await directus.request('POST', '/graphql', { token: outsider, body: { query: '{ ml_transcripts { text } }' } });
		expect(JSON.stringify(hidden.body.errors)).toMatch(/ml_transcripts/);
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

	it('transcribes uploads that match the rules through the queue, with progress; retry queues it again', async () => {
		const { path, words } = toneWords(dir, 'auto', 30, 'flac');
		const fileId = await upload(path, 'audio/flac');
		const done = await eventually(async () => {
			const r = await directus.request('GET', `/ml/transcripts/${fileId}`);
			return r.status === 200 && (r.body.status === 'completed' || r.body.status === 'failed') ? r.body : null;
		}, 120_000, 'the uploaded file to be transcribed by the queue');
		expect(done).toMatchObject({ status: 'completed', progress: 100, attempts: 1, error: null, model: 'whisper-1' });
		expect(done.segments.flatMap((s: { words: { word: string }[] }) => s.words).map((w: { word: string }) => w.word)).toEqual(words.map((w) => w.word));
		expect(done.timings.pieces).toBe(3);

		// Outside the rules (not FLAC): no transcript.
		const other = await upload(speech(dir, 'not-in-rules', 'Not transcribed automatically.', 'ogg'), 'audio/ogg');
		await new Promise((r) => setTimeout(r, 1500));
		expect(await transcriptRows(other)).toEqual([]);

		const retry = await directus.request('POST', `/ml/transcripts/${fileId}/retry`, { body: {} });
		expect(retry.status, retry.text).toBe(202);
		expect(retry.body).toMatchObject({ queued: true, file: fileId });
		const again = await eventually(async () => {
			const r = await directus.request('GET', `/ml/transcripts/${fileId}`);
			return r.body.status === 'completed' && r.body.attempts === 2 ? r.body : null;
		}, 120_000, 'the retried transcription');
		expect(again.text).toBe(done.text);
		const usage = await eventually(async () => {
			const r = await directus.request('GET', `/items/ml_usage?filter[source][_eq]=job:transcribe-file&filter[item][_eq]=${fileId}&fields=audio_seconds,status&limit=-1`);
			return r.body.data.length >= 6 ? r.body.data : null;
		}, 10_000, 'usage rows of the jobs');
		expect(usage.every((u: { status: string }) => u.status === 'success')).toBe(true);
		expect((await directus.request('POST', `/ml/transcripts/7d2c7a4e-1111-4222-8333-944455556666/retry`, { body: {} })).status).toBe(403);
	});

	it('makes uploaded speech searchable by what was said: hits and citations carry the file and the second; re-transcribing replaces, deleting removes; a caller who may not read the file gets nothing', async () => {
		const phrases = ['The lighthouse keeper counted seagulls at dawn.', 'Purple elephants dance quietly at midnight.', 'The bakery sells warm cinnamon bread.'];
		// Under ML_TRANSCRIPTION_PIECE_SECONDS (10 s): one piece, so the fake hears the utterances in order.
		const path = speechWithPauses(dir, 'talk', phrases, 1, 'flac');
		whisper.hear(phrases);
		let fileId: string;
		let transcript: { id: string; segments: { start: number; end: number; text: string }[] };
		try {
			// Uploaded through Directus's /files: the upload hook queues the job (FLAC is in the rules here).
			fileId = await upload(path, 'audio/flac');
			transcript = await eventually(async () => {
				const r = await directus.request('GET', `/ml/transcripts/${fileId}`);
				return r.status === 200 && (r.body.status === 'completed' || r.body.status === 'failed') ? r.body : null;
			}, 120_000, 'the uploaded talk to be transcribed by the queue');
		} finally {
			whisper.hear(null);
		}
		expect(transcript).toMatchObject({ status: 'completed' });
		expect(transcript.segments.map((s) => s.text)).toEqual(phrases);
		const said = transcript.segments[1]!;
		// The phrase was said after the first one and the pause: well after the start of the file.
		expect(said.start).toBeGreaterThan(2.5);

		const search = async (query: string, mode: string, token?: string): Promise<Record<string, any>[]> => {
			const res = await directus.request('POST', '/ml/search', { token, body: { query, mode, indexes: ['transcripts'], limit: 5 } });
			expect(res.status, res.text).toBe(200);
			return res.body.data;
		};
		const hitOn = (hits: Record<string, any>[], file: string): Record<string, any> | undefined => hits.find((h) => h.media?.file === file);
		const first = await eventually(async () => hitOn(await search('purple elephants dancing at midnight', 'keyword'), fileId), 60_000, 'the transcript to be indexed');
		for (const mode of ['keyword', 'semantic', 'hybrid']) {
			const hits = await search('purple elephants dancing at midnight', mode);
			const hit = hitOn(hits, fileId);
			expect(hit, `${mode}: ${JSON.stringify(hits)}`).toBeDefined();
			expect(hits[0]).toBe(hit);
			expect(hit).toMatchObject({ index: 'transcripts', collection: 'ml_transcripts', item: transcript.id, title: 'Talk' });
			expect(hit!.media).toMatchObject({ file: fileId, start: said.start, end: said.end });
			expect(hit!.media.chunkStart).toBeLessThanOrEqual(said.start);
			expect(hit!.media.chunkEnd).toBeGreaterThanOrEqual(said.end);
			expect(hit!.link).toBe(`/admin/files/${fileId}?t=${said.start}`);
			expect(hit!.media.asset).toBe(`/assets/${fileId}#t=${said.start},${said.end}`);
			expect(hit!.passage).toContain('Purple elephants dance quietly at midnight.');
		}
		expect(first.media.start).toBe(said.start);
		// Another phrase of the same recording opens at its own second.
		expect(hitOn(await search('cinnamon bread bakery', 'hybrid'), fileId)!.media.start).toBe(transcript.segments[2]!.start);

		// A RAG answer cites the transcript at the second the words were said.
		const ask = await directus.request('POST', '/ml/ask', { body: { question: 'Where do purple elephants dance?', indexes: ['transcripts'] } });
		expect(ask.status, ask.text).toBe(200);
		const citation = ask.body.data.citations.find((c: Record<string, any>) => c.media?.file === fileId);
		expect(citation, ask.text).toMatchObject({ item: transcript.id, link: `/admin/files/${fileId}?t=${said.start}`, media: { file: fileId, start: said.start, end: said.end } });

		// Permissions: transcripts readable but not the file → no hit; with the file → the hit.
		const noFiles = await directus.createUser({ email: 'transcripts-no-files@example.com', permissions: [{ collection: 'ml_models', action: 'read' }, { collection: 'ml_transcripts', action: 'read' }] });
		const withFiles = await directus.createUser({
			email: 'transcripts-files@example.com',
			permissions: [{ collection: 'ml_models', action: 'read' }, { collection: 'ml_transcripts', action: 'read' }, { collection: 'directus_files', action: 'read' }],
		});
		const noTranscripts = await directus.createUser({ email: 'files-no-transcripts@example.com', permissions: [{ collection: 'ml_models', action: 'read' }, { collection: 'directus_files', action: 'read' }] });
		for (const mode of ['keyword', 'semantic', 'hybrid']) {
			expect(await search('purple elephants dancing at midnight', mode, noFiles)).toEqual([]);
			expect(hitOn(await search('purple elephants dancing at midnight', mode, withFiles), fileId)?.media.start).toBe(said.start);
		}
		expect((await directus.request('POST', '/ml/search', { token: noTranscripts, body: { query: 'purple elephants', indexes: ['transcripts'] } })).status).toBe(403);
		const askNoFiles = await directus.request('POST', '/ml/ask', { token: noFiles, body: { question: 'Where do purple elephants dance?', indexes: ['transcripts'] } });
		expect(askNoFiles.status, askNoFiles.text).toBe(200);
		expect(askNoFiles.body.data.citations).toEqual([]);

		// Re-transcribing replaces the chunks: the new words are found, the old ones no longer.
		const replaced = ['Seven violins played in the empty station.', 'Nobody remembered the orange umbrella.', 'Tomorrow the tide comes back early.'];
		whisper.hear(replaced);
		try {
			expect((await directus.request('POST', `/ml/transcripts/${fileId}/retry`, { body: {} })).status).toBe(202);
			await eventually(async () => {
				const r = await directus.request('GET', `/ml/transcripts/${fileId}`);
				return r.body.status === 'completed' && r.body.attempts === 2 ? r.body : null;
			}, 120_000, 'the re-transcription');
		} finally {
			whisper.hear(null);
		}
		const umbrella = await eventually(async () => hitOn(await search('orange umbrella', 'keyword'), fileId), 60_000, 'the new transcript to be indexed');
		expect(umbrella.media.start).toBe(said.start);
		expect(hitOn(await search('purple elephants dancing at midnight', 'keyword'), fileId)).toBeUndefined();

		// Deleting the file (its transcript goes with it) removes its chunks.
		const coverageBefore = (await directus.request('GET', '/ml/indexes/transcripts/coverage')).body.data;
		expect((await directus.request('DELETE', `/files/${fileId}`)).status).toBe(204);
		await eventually(async () => hitOn(await search('orange umbrella', 'keyword'), fileId) === undefined, 60_000, 'the deleted file to leave the index');
		for (const mode of ['semantic', 'hybrid']) expect(hitOn(await search('orange umbrella', mode), fileId)).toBeUndefined();
		// Not just unreadable: the index state and its chunks are gone.
		await eventually(async () => {
			const docs = await directus.request('GET', `/items/ml_documents?filter[collection][_eq]=ml_transcripts&filter[item][_eq]=${transcript.id}&fields=id`);
			return docs.body.data.length === 0;
		}, 30_000, 'the index state of the deleted transcript to be removed');
		// Its one chunk (three short segments) left the vector store and the keyword index.
		const coverageAfter = (await directus.request('GET', '/ml/indexes/transcripts/coverage')).body.data;
		expect(coverageAfter.vectors).toBe(coverageBefore.vectors - 1);
		expect(coverageAfter.chunks).toBe(coverageBefore.chunks - 1);
	});

	it('runs the "Transcribe file" Flow operation now (wait) and through the queue', async () => {
		const fileId = await upload(speech(dir, 'flow', 'Transcribed by a flow.', 'mp3'), 'audio/mpeg');
		const queuedId = await upload(toneWords(dir, 'flow-queued', 4, 'mp3').path, 'audio/mpeg');
		const flow = await directus.request('POST', '/flows', { body: { name: 'Transcribe', status: 'active', trigger: 'webhook', accountability: 'all', options: { method: 'POST', async: false, return: '$all' } } });
		expect(flow.status, flow.text).toBe(200);
		const op = await directus.request('POST', '/operations', {
			body: { flow: flow.body.data.id, key: 'transcribe', name: 'Transcribe', type: 'ml-transcribe-file', options: { file: '{{$trigger.body.file}}', wait: '{{$trigger.body.wait}}', language: 'en' }, resolve: null, position_x: 20, position_y: 1 },
		});
		expect(op.status, op.text).toBe(200);
		await directus.request('PATCH', `/flows/${flow.body.data.id}`, { body: { operation: op.body.data.id } });
		const now = await eventually(async () => {
			const r = await directus.request('POST', `/flows/trigger/${flow.body.data.id}`, { body: { file: fileId, wait: true } });
			return r.status === 200 ? r : null;
		}, 20_000, 'the flow to be triggerable');
		expect(now.body.transcribe).toMatchObject({ status: 'completed', file: fileId, transcript: { language: 'en', model: 'whisper-1' } });
		expect(now.body.transcribe.transcript.text).toMatch(/^speech0/);
		expect((await transcriptRows(fileId))[0]).toMatchObject({ status: 'completed' });

		const queued = await directus.request('POST', `/flows/trigger/${flow.body.data.id}`, { body: { file: queuedId, wait: false } });
		expect(queued.body.transcribe).toMatchObject({ status: 'queued', file: queuedId });
		const done = await eventually(async () => {
			const r = await directus.request('GET', `/ml/transcripts/${queuedId}`);
			return r.body.status === 'completed' ? r.body : null;
		}, 60_000, 'the queued flow transcription');
		expect(done.text).toBe('w0 w1 w2 w3');
	});
});

/**
 * What a crashed worker leaves behind: a transcript row marked `queued` or `processing` with no
 * job behind it any more (the inline queue lives in the process; a killed process takes it along).
 */
describe('transcription: transcripts left behind by a stopped worker', () => {
	let directus: DirectusInstance;
	let whisper: FakeTranscriptionServer;
	const dir = join(TMP_ROOT, `audio-stuck-${process.pid}`);

	beforeAll(async () => {
		mkdirSync(dir, { recursive: true });
		whisper = await startFakeTranscriptionServer();
		directus = await startDirectus({
			env: {
				ML_TRANSCRIPTION_PROVIDER: 'openai-compatible',
				ML_TRANSCRIPTION_MODEL: 'whisper-1',
				ML_TRANSCRIPTION_BASE_URL: whisper.baseUrl,
				ML_TRANSCRIPTION_AUTO: 'false',
				ML_TRANSCRIPTION_STUCK_SECONDS: '4',
				ML_TRANSCRIPTION_STUCK_MAX_ATTEMPTS: '2',
				ML_RECONCILE_INTERVAL_SECONDS: '1',
			},
		});
	});
	afterAll(async () => {
		await directus?.stop();
		await whisper?.close();
	});

	it('requeues a transcript left queued or processing past the bound, and fails one abandoned too often, saying why', async () => {
		const upload = async (name: string, words: number): Promise<string> => {
			const form = new FormData();
			form.append('file', new Blob([readFileSync(toneWords(dir, name, words, 'mp3').path)], { type: 'audio/mpeg' }), `${name}.mp3`);
			const res = await fetch(`${directus.url}/files`, { method: 'POST', headers: { authorization: `Bearer ${directus.adminToken}` }, body: form });
			expect(res.status).toBe(200);
			return ((await res.json()) as { data: { id: string } }).data.id;
		};
		const processing = await upload('stuck-processing', 3);
		const queued = await upload('stuck-queued', 2);
		const abandoned = await upload('stuck-abandoned', 4);
		const leave = async (file: string, status: string, attempts: number): Promise<void> => {
			const res = await directus.request('POST', '/items/ml_transcripts', { body: { file, status, attempts, progress: 40 } });
			expect(res.status, res.text).toBe(200);
		};
		await leave(processing, 'processing', 1);
		await leave(queued, 'queued', 0);
		await leave(abandoned, 'processing', 2);
		const state = async (file: string): Promise<Record<string, any>> => (await directus.request('GET', `/ml/transcripts/${file}`)).body;

		// Younger than the bound (4 s), with sweeps every second: left alone (a live worker may own them).
		await new Promise((r) => setTimeout(r, 1500));
		for (const file of [processing, queued, abandoned]) expect((await state(file)).status).not.toMatch(/completed|failed/);
		expect(whisper.requests).toHaveLength(0);

		const done = await eventually(async () => {
			const [a, b] = [await state(processing), await state(queued)];
			return a.status === 'completed' && b.status === 'completed' ? [a, b] : null;
		}, 60_000, 'the stuck transcripts to be requeued and completed');
		expect(done[0]).toMatchObject({ text: 'w0 w1 w2', attempts: 2, error: null, progress: 100 });
		expect(done[1]).toMatchObject({ text: 'w0 w1', attempts: 1, error: null });

		const failed = await eventually(async () => {
			const c = await state(abandoned);
			return c.status === 'failed' ? c : null;
		}, 30_000, 'the abandoned transcript to be marked failed');
		expect(failed.error).toMatch(/left processing/);
		expect(failed.error).toMatch(/2 attempts/);
		expect(failed.error).toMatch(/retry/i);
		// Never sent to the model again; each of the others exactly once.
		expect(whisper.requests).toHaveLength(2);
		await new Promise((r) => setTimeout(r, 2000));
		expect(whisper.requests).toHaveLength(2);
		expect((await state(abandoned)).status).toBe('failed');

		// A retry after the failure works as usual.
		expect((await directus.request('POST', `/ml/transcripts/${abandoned}/retry`, { body: {} })).status).toBe(202);
		const retried = await eventually(async () => {
			const c = await state(abandoned);
			return c.status === 'completed' ? c : null;
		}, 60_000, 'the retried transcript');
		expect(retried.text).toBe('w0 w1 w2 w3');
	});
});
