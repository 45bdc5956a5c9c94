import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Accountability } from '@directus/types';
import type { MlConfig } from '../core/config.js';
import { notFoundOrForbidden, PayloadTooLargeError } from '../core/errors.js';
import type { ModelRegistry } from '../core/providers/model-registry.js';
import { Ffmpeg, locateFfmpeg } from '../core/transcription/ffmpeg.js';
import { TranscriptRepository } from '../core/transcription/transcript-repository.js';
import { TranscriptionService } from '../core/transcription/transcription-service.js';
import { sweepStuckTranscripts, TRANSCRIPTION_JOBS, type TranscriptionJobDeps } from '../core/transcription/transcription-jobs.js';
import type { QueueWiring } from './queue-wiring.js';
import type { UsageEvent } from '../core/usage/types.js';
import type { HostContext } from './container-types.js';

/** A file of directus_files copied to a private temp directory; `dispose()` removes it. */
export interface LocalAudio {
	path: string;
	fileId: string | null;
	filename: string;
	mimeType: string | null;
	bytes: number;
	readMs: number;
	dispose(): Promise<void>;
}

export interface TranscriptionWiring {
	service: TranscriptionService;
	transcripts: TranscriptRepository;
	/** The ffmpeg found (null: none), for health. */
	ffmpeg: Ffmpeg | null;
	/**
	 * Copies a file to a temp file through Directus's storage layer (any storage driver), with the
	 * caller's permissions (`null` = system). Unknown ids and files the caller may not read get the
	 * same 403; files over ML_TRANSCRIPTION_MAX_FILE_MB a 413.
	 */
	readFile(fileId: string, accountability: Accountability | null, signal?: AbortSignal): Promise<LocalAudio>;
	/** Writes bytes to a temp file (the base64 route). */
	writeTemp(bytes: Uint8Array, filename: string): Promise<LocalAudio>;
	/** Has the indexes over ml_transcripts bring these transcripts' chunks up to date. */
	transcriptsChanged(ids: string[]): Promise<void>;
	/** Requeues (or fails) transcripts a stopped worker left behind (ML_TRANSCRIPTION_STUCK_*); run by the reconcile sweep. */
	sweepStuck(): ReturnType<typeof sweepStuckTranscripts>;
}

/** The ffmpeg binary of the optional `@ffmpeg-installer/linux-x64` package, when installed. */
function packagedFfmpeg(): string | null {
	try {
		// A variable name keeps the bundler from trying to inline the package.
		const name = '@ffmpeg-installer/linux-x64/package.json';
		return join(dirname(createRequire(import.meta.url).resolve(name)), 'ffmpeg');
	} catch {
		return null;
	}
}

export async function buildTranscription(
	config: MlConfig,
	host: HostContext,
	deps: {
		models: ModelRegistry;
		record(event: UsageEvent): void;
		queueWiring: QueueWiring;
		/** Transcripts changed (completed, failed, their file deleted): the indexes over ml_transcripts follow. */
		transcriptsChanged(ids: string[]): Promise<void>;
	},
): Promise<TranscriptionWiring> {
	const binary = await locateFfmpeg({
		explicitPath: config.ML_FFMPEG_PATH ?? null,
		packagedPath: process.platform === 'linux' && process.arch === 'x64' ? packagedFfmpeg() : null,
		// The composition root is where the process environment may be read.
		searchPath: process.env.PATH ?? null,
	});
	if (!binary) host.logger.warn('[ml-suite] no ffmpeg found: transcription is unavailable (set ML_FFMPEG_PATH or install ffmpeg)');
	const ffmpeg = binary ? new Ffmpeg(binary) : null;
	const service = new TranscriptionService({
		ffmpeg,
		resolveModel: (modelId) => deps.models.transcriptionModel(modelId),
		record: deps.record,
		maxDurationSeconds: config.ML_TRANSCRIPTION_MAX_DURATION_SECONDS,
		pieceSeconds: config.ML_TRANSCRIPTION_PIECE_SECONDS,
		overlapSeconds: config.ML_TRANSCRIPTION_OVERLAP_SECONDS,
	});
	const maxBytes = config.ML_TRANSCRIPTION_MAX_FILE_MB * 1024 * 1024;

	const tempFile = async (filename: string): Promise<{ path: string; dispose(): Promise<void> }> => {
		const dir = await mkdtemp(join(tmpdir(), 'ml-audio-'));
		// Only the extension of the name is kept: it helps ffmpeg pick a demuxer, and names never reach a path.
		const ext = /\.([A-Za-z0-9]{1,8})$/.exec(filename)?.[1] ?? 'bin';
		return { path: join(dir, `source.${ext.toLowerCase()}`), dispose: () => rm(dir, { recursive: true, force: true }) };
	};

	const wiring: TranscriptionWiring = {
		service,
		transcripts: new TranscriptRepository(host.database),
		ffmpeg,
		transcriptsChanged: (ids) => deps.transcriptsChanged(ids),
		sweepStuck: () =>
			sweepStuckTranscripts(
				{
					transcripts: wiring.transcripts,
					enqueue: async (fileId, model) => {
						await deps.queueWiring.queue.enqueue('transcribe-file', { fileId, ...(model ? { model } : {}) });
					},
				},
				{ olderThanSeconds: config.ML_TRANSCRIPTION_STUCK_SECONDS, maxAttempts: config.ML_TRANSCRIPTION_STUCK_MAX_ATTEMPTS },
			),
		async readFile(fileId, accountability, signal) {
			const started = performance.now();
			const schema = await host.getSchema();
			const assets = new host.services.AssetsService({ schema, knex: host.database, accountability });
			let asset: { stream: Readable; file: { filename_download?: string; type?: string | null; filesize?: number | string | null } };
			try {
				asset = await assets.getAsset(fileId);
			} catch (error) {
				if ((error as { status?: number }).status === 403) throw notFoundOrForbidden(`the file "${fileId}"`);
				throw error;
			}
			const declared = Number(asset.file.filesize ?? 0);
			if (declared > maxBytes) {
				asset.stream.destroy();
				throw tooLarge(declared, maxBytes);
			}
			const target = await tempFile(asset.file.filename_download ?? 'audio');
			let bytes = 0;
			const limit = new Transform({
				transform(chunk: Buffer, _encoding, callback) {
					bytes += chunk.length;
					callback(bytes > maxBytes ? tooLarge(bytes, maxBytes) : null, chunk);
				},
			});
			try {
				await pipeline(asset.stream, limit, createWriteStream(target.path), { signal });
			} catch (error) {
				await target.dispose();
				throw error;
			}
			return { path: target.path, fileId, filename: asset.file.filename_download ?? fileId, mimeType: asset.file.type ?? null, bytes, readMs: Math.round(performance.now() - started), dispose: target.dispose };
		},
		async writeTemp(data, filename) {
			const target = await tempFile(filename);
			await writeFile(target.path, data);
			return { path: target.path, fileId: null, filename, mimeType: null, bytes: data.byteLength, readMs: 0, dispose: target.dispose };
		},
	};
	// Jobs run as the system: who may transcribe a file was checked when the job was queued.
	const jobDeps: TranscriptionJobDeps = {
		transcripts: wiring.transcripts,
		service,
		openFile: (fileId, signal) => wiring.readFile(fileId, null, signal),
		async onSettled(fileId) {
			try {
				await deps.transcriptsChanged(await wiring.transcripts.idsOf([fileId]));
			} catch (error) {
				// Logged, not thrown: the transcript itself is done; a reindex of the transcripts index picks it up.
				host.logger.warn(`[ml-suite] could not queue the indexing of the transcript of file ${fileId}: ${(error as Error).message}`);
			}
		},
	};
	for (const job of TRANSCRIPTION_JOBS) deps.queueWiring.register(job, jobDeps);
	return wiring;
}

function tooLarge(bytes: number, max: number): PayloadTooLargeError {
	return new PayloadTooLargeError(`The file is larger than the ${Math.round(max / 1024 / 1024)} MB accepted for transcription (ML_TRANSCRIPTION_MAX_FILE_MB).`, { bytes, limit: max });
}
