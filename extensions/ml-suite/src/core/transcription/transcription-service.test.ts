import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeTranscriptionServer, type FakeTranscriptionServer } from '../../../../../test/fakes/transcription-server.js';
import { ffmpegPath, toneWords } from '../../../../../test/support/audio.js';
import { PayloadTooLargeError, ProviderError } from '../errors.js';
import type { ModelDefinition } from '../providers/types.js';
import type { UsageEvent } from '../usage/types.js';
import { Ffmpeg, UnsupportedMediaError } from './ffmpeg.js';
import { OpenAITranscriptionModel } from './openai-transcription-model.js';
import { TranscriptionService, type TranscriptionServiceOptions } from './transcription-service.js';

const definition = (modelId: string): ModelDefinition => ({
	id: 'm1',
	name: modelId,
	provider: 'openai-compatible',
	task: 'transcription',
	modelId,
	baseUrl: null,
	apiKeyEnv: null,
	dimensions: null,
	maxInputTokens: null,
	maxBatchSize: null,
	contextWindow: null,
	inputPricePerMillion: 0,
	outputPricePerMillion: 0,
	audioPricePerMinute: 0.006,
	isDefault: true,
	status: 'active',
});

const origin = { user: null, sourceType: 'cli' as const, source: 'cli:test' };

// Real ffmpeg runs and decoding in the fake server: slow on a loaded machine, so a generous ceiling (not a timed assertion).
describe('TranscriptionService with the real ffmpeg and a server speaking the OpenAI transcription API', { timeout: 120_000 }, () => {
	let server: FakeTranscriptionServer;
	let dir: string;
	let events: UsageEvent[];
	const ffmpeg = new Ffmpeg({ path: ffmpegPath(), source: 'system' });

	const service = (modelId = 'whisper-1', overrides: Partial<TranscriptionServiceOptions> = {}): TranscriptionService => {
		const model = new OpenAITranscriptionModel({ provider: 'openai-compatible', modelId, baseUrl: server.baseUrl, resolveSecret: () => undefined, maxRetries: 2 });
		return new TranscriptionService({
			ffmpeg,
			resolveModel: async () => ({ model, definition: definition(modelId) }),
			record: (event) => events.push(event),
			maxDurationSeconds: 3600,
			pieceSeconds: 600,
			overlapSeconds: 2,
			...overrides,
		});
	};

	beforeAll(async () => {
		server = await startFakeTranscriptionServer();
		dir = mkdtempSync(join(tmpdir(), 'ml-transcription-test-'));
	});
	afterAll(async () => {
		await server?.close();
		rmSync(dir, { recursive: true, force: true });
	});
	beforeEach(() => {
		server.requests.length = 0;
		events = [];
	});

	it('transcribes short audio in one request, with segments, words, language and the real duration', async () => {
		const { path, words } = toneWords(dir, 'short', 6, 'mp3');
		const result = await service().transcribeFile(path, { origin });
		expect(server.requests).toHaveLength(1);
		expect(server.requests[0]).toMatchObject({ model: 'whisper-1', responseFormat: 'verbose_json', granularities: ['segment', 'word'] });
		expect(result.text).toBe('w0 w1 w2 w3 w4 w5');
		expect(result.language).toBe('en');
		expect(result.duration).toBeCloseTo(0.3 + 6 * 0.8, 1);
		expect(result.segments.map((s) => s.text)).toEqual(['w0 w1 w2 w3', 'w4 w5']);
		const heard = result.segments.flatMap((s) => s.words ?? []);
		heard.forEach((w, i) => {
			expect(w.start).toBeCloseTo(words[i]!.start, 1);
			expect(w.end).toBeCloseTo(words[i]!.end, 1);
		});
		expect(events).toEqual([expect.objectContaining({ capability: 'transcription', status: 'success', model: 'whisper-1', inputTokens: 0 })]);
		expect(events[0]!.audioSeconds).toBeCloseTo(result.duration, 1);
		expect(events[0]!.cost).toBeCloseTo((result.duration / 60) * 0.006, 6);
	});

	it('splits long audio into overlapping pieces and stitches every word back once, at its source time', async () => {
		const { path, words } = toneWords(dir, 'long', 60, 'ogg');
		const result = await service('whisper-1', { pieceSeconds: 10, overlapSeconds: 2 }).transcribeFile(path, { origin });
		// 48.3 s in pieces of 10 s sharing 2 s: 6 requests, each at most 10 s long (decoded by the server).
		expect(server.requests.length).toBe(6);
		for (const r of server.requests) expect(r.duration).toBeLessThanOrEqual(10.1);
		const heard = result.segments.flatMap((s) => s.words ?? []);
		expect(heard.map((w) => w.word)).toEqual(words.map((w) => w.word));
		heard.forEach((w, i) => {
			expect(Math.abs(w.start - words[i]!.start)).toBeLessThan(0.1);
			expect(Math.abs(w.end - words[i]!.end)).toBeLessThan(0.1);
		});
		expect(result.text).toBe(words.map((w) => w.word).join(' '));
		expect(result.timings.pieces).toBe(6);
		expect(events.map((e) => e.status)).toEqual(Array(6).fill('success'));
		// Usage counts the audio sent, overlaps included.
		const sent = events.reduce((sum, e) => sum + (e.audioSeconds ?? 0), 0);
		expect(sent).toBeGreaterThan(result.duration);
		expect(sent).toBeLessThan(result.duration + 5 * 2 + 0.5);
	});

	it.each(['wav', 'm4a'] as const)('reads %s', async (format) => {
		const { path } = toneWords(dir, `fmt-${format}`, 3, format);
		const result = await service().transcribeFile(path, { origin });
		expect(result.text).toBe('w0 w1 w2');
	});

	it('text-only models (gpt-4o-mini-transcribe) are asked for json and get one segment per piece of at most 30 s', async () => {
		const { path } = toneWords(dir, 'text-only', 50, 'mp3');
		const result = await service('gpt-4o-mini-transcribe').transcribeFile(path, { origin, language: 'en' });
		expect(server.requests.every((r) => r.responseFormat === 'json' && r.granularities.length === 0 && r.language === 'en')).toBe(true);
		expect(server.requests).toHaveLength(2);
		expect(result.segments.map((s) => [s.start, Math.round(s.end)])).toEqual([
			[0, 30],
			[30, 40],
		]);
		expect(result.language).toBe('en');
	});

	it('retries a 500 and a 429 with retry-after, then succeeds', async () => {
		const { path } = toneWords(dir, 'retry', 2, 'mp3');
		server.script({ kind: 'status', status: 500 }, { kind: 'status', status: 429, headers: { 'retry-after': '0' } });
		const result = await service().transcribeFile(path, { origin });
		expect(result.text).toBe('w0 w1');
		expect(server.requests).toHaveLength(3);
		expect(events).toHaveLength(1);
	});

	it('reports a provider refusal as a non-retryable ProviderError and records the failed call', async () => {
		const { path } = toneWords(dir, 'refused', 2, 'mp3');
		server.script({ kind: 'status', status: 400, body: { error: { message: 'Audio file might be corrupted or unsupported', type: 'invalid_request_error' } } });
		const error = await service().transcribeFile(path, { origin }).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(ProviderError);
		expect((error as ProviderError).retryable).toBe(false);
		expect((error as Error).message).toMatch(/HTTP 400.*corrupted/);
		expect(events).toEqual([expect.objectContaining({ status: 'error', cost: 0 })]);
	});

	it('refuses what is not audio, damaged audio and audio over the duration limit before any request', async () => {
		const text = join(dir, 'notes.txt');
		writeFileSync(text, 'this is not audio at all\n'.repeat(50));
		await expect(service().probe(text)).rejects.toBeInstanceOf(UnsupportedMediaError);

		const { path: m4a } = toneWords(dir, 'cut', 10, 'm4a');
		const damaged = join(dir, 'damaged.m4a');
		// AAC in MP4 keeps its index at the end: half a file cannot be read.
		const bytes = readFileSync(m4a);
		writeFileSync(damaged, bytes.subarray(0, Math.floor(bytes.length / 2)));
		await expect(service().probe(damaged)).rejects.toThrow(/not an audio or video file|damaged|no audio/);

		const image = join(dir, 'still.png');
		await import('node:child_process').then(({ execFileSync }) => execFileSync(ffmpegPath(), ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'color=c=red:s=32x32:d=1', '-frames:v', '1', image]));
		await expect(service().probe(image)).rejects.toThrow(/no audio stream/);

		const { path: long } = toneWords(dir, 'too-long', 10, 'mp3');
		await expect(service('whisper-1', { maxDurationSeconds: 5 }).probe(long)).rejects.toBeInstanceOf(PayloadTooLargeError);
		expect(server.requests).toHaveLength(0);
	});

	it('lists the formats this ffmpeg decodes', async () => {
		const formats = (await ffmpeg.decodableFormats()).map((f) => f.extension);
		expect(formats).toEqual(expect.arrayContaining(['wav', 'mp3', 'ogg', 'm4a', 'mp4', 'flac', 'webm']));
	});
});
