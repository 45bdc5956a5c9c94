import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ffmpegPath, toneFrequency } from '../support/audio.js';

/**
 * A local server speaking OpenAI's `POST /v1/audio/transcriptions` wire format (multipart
 * upload; `json` or `verbose_json` with segments and, on request, words). It decodes the audio
 * it receives with ffmpeg, so durations are the real file's, and "hears" tone words: each burst
 * of sound becomes the word `w<i>` whose pitch (300 + 40·i Hz) it has, timed where it was
 * heard. Pieces cut from a longer file therefore come back with piece-relative times, which is
 * what splitting and stitching must put right. Other sound (speech) comes back as segments
 * `speech <n>` at the bursts' times; or, after `hear(phrases)`, speech separated by pauses of at
 * least 0.6 s is taken as utterances, and utterance k comes back as one segment saying
 * `phrases[k]` at the time the sound was heard.
 */
export interface TranscriptionRequestRecord {
	path: string;
	model: string;
	responseFormat: string;
	language: string | null;
	granularities: string[];
	filename: string;
	bytes: number;
	/** Seconds of audio received, decoded. */
	duration: number;
	authorization: string | undefined;
}

export type TranscriptionFault = { kind: 'status'; status: number; headers?: Record<string, string>; body?: unknown };

export interface FakeTranscriptionServer {
	readonly baseUrl: string;
	readonly requests: TranscriptionRequestRecord[];
	script(...faults: TranscriptionFault[]): void;
	/** The words of the speech utterances in the next recordings (null: `speech <n>` again). */
	hear(phrases: string[] | null): void;
	close(): Promise<void>;
}

interface Burst {
	start: number;
	end: number;
	frequency: number;
}

const RATE = 16_000;

function decode(file: string): Promise<Int16Array> {
	return new Promise((resolve, reject) => {
		execFile(ffmpegPath(), ['-hide_banner', '-nostdin', '-v', 'error', '-i', file, '-map', '0:a:0', '-ac', '1', '-ar', String(RATE), '-f', 's16le', '-'], { encoding: 'buffer', maxBuffer: 512 * 1024 * 1024 }, (error, stdout, stderr) => {
			if (error) reject(new Error(`could not decode: ${stderr.toString()}`));
			else resolve(new Int16Array(stdout.buffer, stdout.byteOffset, Math.floor(stdout.byteLength / 2)));
		});
	});
}

/** Loud stretches (20 ms frames over a threshold, gaps under 100 ms bridged) and their pitch by zero crossings. */
function bursts(samples: Int16Array): Burst[] {
	const frame = RATE / 50;
	const loud: boolean[] = [];
	for (let i = 0; i + frame <= samples.length; i += frame) {
		let sum = 0;
		for (let k = i; k < i + frame; k++) sum += samples[k]! * samples[k]!;
		loud.push(Math.sqrt(sum / frame) > 1500);
	}
	const out: Burst[] = [];
	let startFrame = -1;
	let quiet = 0;
	const close = (endFrame: number): void => {
		const a = startFrame * frame;
		const b = endFrame * frame;
		if (b - a < frame * 3) return;
		// Pitch from the middle, away from fades and cut edges, measured in three parts: a tone's
		// pitch is steady, speech's is not (steady = within 4%; unsteady bursts get frequency 0).
		const m0 = a + Math.floor((b - a) * 0.2);
		const m1 = b - Math.floor((b - a) * 0.2);
		const pitch = (from: number, to: number): number => {
			let crossings = 0;
			for (let k = from + 1; k < to; k++) if ((samples[k - 1]! < 0) !== (samples[k]! < 0)) crossings++;
			return crossings / 2 / ((to - from) / RATE);
		};
		const third = Math.floor((m1 - m0) / 3);
		const parts = [pitch(m0, m0 + third), pitch(m0 + third, m0 + 2 * third), pitch(m0 + 2 * third, m1)];
		const steady = Math.max(...parts) - Math.min(...parts) <= 0.04 * Math.max(...parts);
		out.push({ start: a / RATE, end: b / RATE, frequency: steady ? pitch(m0, m1) : 0 });
	};
	loud.forEach((isLoud, i) => {
		if (isLoud) {
			if (startFrame < 0) startFrame = i;
			quiet = 0;
		} else if (startFrame >= 0 && ++quiet >= 5) {
			close(i - quiet + 1);
			startFrame = -1;
			quiet = 0;
		}
	});
	if (startFrame >= 0) close(loud.length - quiet);
	return out;
}

const round = (n: number): number => Math.round(n * 1000) / 1000;

export async function startFakeTranscriptionServer(options: { apiKey?: string } = {}): Promise<FakeTranscriptionServer> {
	const requests: TranscriptionRequestRecord[] = [];
	const faults: TranscriptionFault[] = [];
	const dir = await mkdtemp(join(tmpdir(), 'fake-whisper-'));
	let counter = 0;
	let phrases: string[] | null = null;

	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (c: Buffer) => chunks.push(c));
		req.on('end', () => {
			void (async () => {
				const send = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
					res.writeHead(status, { 'content-type': 'application/json', ...headers });
					res.end(JSON.stringify(body));
				};
				if (req.method !== 'POST' || req.url !== '/v1/audio/transcriptions') return send(404, { error: { message: `No route ${req.method} ${req.url}` } });
				if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) return send(401, { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error' } });
				const form = await new Request('http://fake/', { method: 'POST', headers: { 'content-type': req.headers['content-type'] ?? '' }, body: Buffer.concat(chunks) }).formData();
				const file = form.get('file');
				if (!(file instanceof Blob)) return send(400, { error: { message: "Missing 'file'", type: 'invalid_request_error' } });
				const bytes = Buffer.from(await file.arrayBuffer());
				const path = join(dir, `upload-${counter++}`);
				await writeFile(path, bytes);
				let samples: Int16Array;
				try {
					samples = await decode(path);
				} catch (error) {
					return send(400, { error: { message: `Invalid file format. ${(error as Error).message}`, type: 'invalid_request_error' } });
				} finally {
					await rm(path, { force: true });
				}
				const duration = samples.length / RATE;
				const record: TranscriptionRequestRecord = {
					path: req.url,
					model: String(form.get('model') ?? ''),
					responseFormat: String(form.get('response_format') ?? 'json'),
					language: form.get('language') === null ? null : String(form.get('language')),
					granularities: form.getAll('timestamp_granularities[]').map(String),
					filename: file instanceof File ? file.name : '',
					bytes: bytes.byteLength,
					duration,
					authorization: req.headers.authorization,
				};
				requests.push(record);
				const fault = faults.shift();
				if (fault) return send(fault.status, fault.body ?? { error: { message: `Scripted ${fault.status}`, type: 'server_error' } }, fault.headers);

				const heard = bursts(samples).map((b) => {
					const index = Math.round((b.frequency - toneFrequency(0)) / (toneFrequency(1) - toneFrequency(0)));
					const tone = index >= 0 && Math.abs(toneFrequency(index) - b.frequency) < 12;
					return { word: tone ? `w${index}` : 'speech', start: round(b.start), end: round(b.end) };
				});
				let speechCount = 0;
				let words = heard.map((w) => (w.word === 'speech' ? { ...w, word: `speech${speechCount++}` } : w));
				// Utterances: speech bursts less than 0.6 s apart belong together.
				const utterances: { start: number; end: number }[] = [];
				for (const w of heard) {
					if (w.word !== 'speech') continue;
					const last = utterances[utterances.length - 1];
					if (last && w.start - last.end < 0.6) last.end = w.end;
					else utterances.push({ start: w.start, end: w.end });
				}
				if (phrases && utterances.length > 0) words = utterances.map((u, k) => ({ ...u, word: phrases![k] ?? `speech${k}` }));
				// Four words per segment, as Whisper groups phrases (one utterance per segment when phrases are heard).
				const perSegment = phrases ? 1 : 4;
				const segments: { id: number; seek: number; start: number; end: number; text: string; tokens: number[]; temperature: number; avg_logprob: number; compression_ratio: number; no_speech_prob: number }[] = [];
				for (let i = 0; i < words.length; i += perSegment) {
					const group = words.slice(i, i + perSegment);
					segments.push({ id: segments.length, seek: 0, start: group[0]!.start, end: group[group.length - 1]!.end, text: ` ${group.map((w) => w.word).join(' ')}`, tokens: [], temperature: 0, avg_logprob: -0.2, compression_ratio: 1, no_speech_prob: 0 });
				}
				const text = words.map((w) => w.word).join(' ');
				if (record.responseFormat === 'verbose_json') {
					return send(200, {
						task: 'transcribe',
						language: record.language ? record.language : 'english',
						duration: round(duration),
						text,
						segments,
						...(record.granularities.includes('word') ? { words } : {}),
						usage: { type: 'duration', seconds: Math.ceil(duration) },
					});
				}
				return send(200, { text, usage: { type: 'duration', seconds: Math.ceil(duration) } });
			})().catch((error: unknown) => {
				res.writeHead(500, { 'content-type': 'application/json' });
				res.end(JSON.stringify({ error: { message: String(error) } }));
			});
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		baseUrl: `http://127.0.0.1:${port}/v1`,
		requests,
		script: (...f) => faults.push(...f),
		hear: (list) => {
			phrases = list;
		},
		async close() {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
			await rm(dir, { recursive: true, force: true });
		},
	};
}
