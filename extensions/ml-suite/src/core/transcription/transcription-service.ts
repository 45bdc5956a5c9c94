import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotConfiguredError, PayloadTooLargeError } from '../errors.js';
import type { ModelDefinition } from '../providers/types.js';
import type { CallOrigin, UsageEvent } from '../usage/types.js';
import type { AudioProbe, Ffmpeg } from './ffmpeg.js';
import { planPieces, segmentsToText, stitchPieces, type PieceTranscript } from './split-and-stitch.js';
import type { TranscriptTimings } from './transcript-repository.js';
import type { TranscriptionModel, TranscriptSegment } from './types.js';
import { callUsageEvent } from '../usage/usage-event.js';

export interface TranscriptionServiceOptions {
	/** The ffmpeg to use; null when none was found (transcription then answers 503 saying what to install). */
	ffmpeg: Ffmpeg | null;
	/** Resolves a registry transcription model (the default when `modelId` is omitted). */
	resolveModel(modelId?: string): Promise<{ model: TranscriptionModel; definition: ModelDefinition }>;
	record(event: UsageEvent): void;
	/** Longest audio accepted, in seconds. */
	maxDurationSeconds: number;
	/** Longest piece per provider request, in seconds. */
	pieceSeconds: number;
	/** Seconds shared by neighbouring pieces. */
	overlapSeconds: number;
	/** MP3 bitrate of the pieces sent, in kbit/s. Default: 48 (mono 16 kHz speech). */
	bitrateKbps?: number;
	/** Pieces transcribed at once. Default: 2. */
	concurrency?: number;
	/** Directory for temporary pieces. Default: the OS temp directory. */
	tmpDir?: string;
}

export interface TranscribeOptions {
	modelId?: string;
	language?: string;
	origin: CallOrigin;
	signal?: AbortSignal;
	/** Called with 0..100 as pieces finish. */
	onProgress?(percent: number): void | Promise<void>;
}

export interface FileTranscription {
	text: string;
	language: string | null;
	duration: number;
	segments: TranscriptSegment[];
	model: string;
	provider: string;
	probe: AudioProbe;
	timings: Omit<TranscriptTimings, 'readMs'>;
}

/** Transcribes local audio files: probe, cut into overlapping pieces, transcribe each, stitch. */
export class TranscriptionService {
	constructor(private readonly options: TranscriptionServiceOptions) {}

	/** ffmpeg, or a 503 naming what to install or set. */
	requireFfmpeg(): Ffmpeg {
		if (this.options.ffmpeg) return this.options.ffmpeg;
		throw new NotConfiguredError('No ffmpeg was found to decode audio. Install the optional dependency @ffmpeg-installer/linux-x64, install ffmpeg on the system PATH, or set ML_FFMPEG_PATH.', {
			variables: ['ML_FFMPEG_PATH'],
		});
	}

	/** Probes `path` and refuses audio over the duration limit (413) or that is not decodable audio (415), before any provider call. */
	async probe(path: string, signal?: AbortSignal): Promise<AudioProbe> {
		const probe = await this.requireFfmpeg().probe(path, signal);
		if (probe.duration > this.options.maxDurationSeconds) {
			throw new PayloadTooLargeError(`The audio lasts ${Math.round(probe.duration)} s; at most ${this.options.maxDurationSeconds} s are accepted (ML_TRANSCRIPTION_MAX_DURATION_SECONDS).`, {
				duration: probe.duration,
				limit: this.options.maxDurationSeconds,
			});
		}
		return probe;
	}

	async transcribeFile(path: string, options: TranscribeOptions, probed?: AudioProbe): Promise<FileTranscription> {
		const started = performance.now();
		const { model, definition } = await this.options.resolveModel(options.modelId);
		const ffmpeg = this.requireFfmpeg();
		const probeStart = performance.now();
		const probe = probed ?? (await this.probe(path, options.signal));
		const probeMs = probed ? 0 : performance.now() - probeStart;

		const bitrate = this.options.bitrateKbps ?? 48;
		// Keep 10% headroom under the upload limit for the container overhead.
		const bySize = Math.floor((model.maxUploadBytes * 0.9) / ((bitrate * 1000) / 8));
		// Text-only models give one timing per request, so shorter pieces make finer segments; with no word times an overlap could not be de-duplicated.
		const maxPieceSeconds = Math.max(10, Math.min(this.options.pieceSeconds, bySize, model.returnsSegments ? Infinity : 30));
		const pieces = planPieces(probe.duration, { maxPieceSeconds, overlapSeconds: model.returnsSegments ? this.options.overlapSeconds : 0 });

		const dir = await mkdtemp(join(this.options.tmpDir ?? tmpdir(), 'ml-transcribe-'));
		let convertMs = 0;
		let transcribeMs = 0;
		let done = 0;
		const results: PieceTranscript[] = new Array(pieces.length);
		const languages: (string | null)[] = new Array(pieces.length).fill(null);
		try {
			let next = 0;
			const worker = async (): Promise<void> => {
				while (next < pieces.length) {
					const piece = pieces[next++]!;
					options.signal?.throwIfAborted();
					const file = join(dir, `piece-${piece.index}.mp3`);
					const convertStart = performance.now();
					await ffmpeg.cutPiece(path, file, piece.start, piece.end - piece.start, bitrate, options.signal);
					const audio = await readFile(file);
					convertMs += performance.now() - convertStart;
					const length = piece.end - piece.start;
					const callStart = performance.now();
					try {
						const result = await model.transcribe({ audio, filename: `piece-${piece.index}.mp3`, ...(options.language ? { language: options.language } : {}), ...(options.signal ? { signal: options.signal } : {}) });
						this.recordCall(model, definition, options.origin, length, result.latencyMs, null);
						const segments = result.segments.length > 0 || !result.text ? result.segments : [{ start: 0, end: result.duration ?? length, text: result.text }];
						results[piece.index] = { piece, segments };
						languages[piece.index] = result.language;
					} catch (error) {
						this.recordCall(model, definition, options.origin, length, performance.now() - callStart, error);
						throw error;
					} finally {
						transcribeMs += performance.now() - callStart;
						await rm(file, { force: true });
					}
					done++;
					await options.onProgress?.(Math.floor((done / pieces.length) * 100));
				}
			};
			await Promise.all(Array.from({ length: Math.min(this.options.concurrency ?? 2, pieces.length) }, worker));
		} finally {
			await rm(dir, { recursive: true, force: true });
		}

		const segments = stitchPieces(results);
		return {
			text: segmentsToText(segments),
			language: options.language ?? mostCommon(languages),
			duration: Math.round(probe.duration * 1000) / 1000,
			segments,
			model: model.modelId,
			provider: model.provider,
			probe,
			timings: { probeMs: Math.round(probeMs), convertMs: Math.round(convertMs), transcribeMs: Math.round(transcribeMs), totalMs: Math.round(performance.now() - started), pieces: pieces.length },
		};
	}

	private recordCall(model: TranscriptionModel, definition: ModelDefinition, origin: CallOrigin, seconds: number, latencyMs: number, error: unknown): void {
		const aborted = error instanceof Error && error.name === 'AbortError';
		this.options.record(
			callUsageEvent(origin, {
				capability: 'transcription',
				provider: model.provider,
				model: model.modelId,
				collection: origin.collection ?? 'directus_files',
				audioSeconds: Math.round(seconds * 1000) / 1000,
				cost: error ? 0 : Math.round((seconds / 60) * (definition.audioPricePerMinute ?? 0) * 1e9) / 1e9,
				latencyMs,
				...(error ? { status: aborted ? 'cancelled' : 'error', errorCode: (error as { code?: string }).code ?? 'TRANSCRIPTION_FAILED' } : {}),
			}),
		);
	}
}

function mostCommon(values: (string | null)[]): string | null {
	const counts = new Map<string, number>();
	for (const v of values) if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
	let best: string | null = null;
	for (const [v, n] of counts) if (best === null || n > counts.get(best)!) best = v;
	return best;
}
