import { z } from 'zod';
import { MlError } from '../errors.js';
import type { JobDefinition } from '../jobs/types.js';
import { UnrecoverableJobError } from '../jobs/unrecoverable-job-error.js';
import type { TranscriptRepository } from './transcript-repository.js';
import type { TranscriptionService } from './transcription-service.js';

export interface TranscriptionJobDeps {
	transcripts: TranscriptRepository;
	service: TranscriptionService;
	/** Copies the file to a local temp file through the host's storage layer (system access). */
	openFile(fileId: string, signal: AbortSignal): Promise<{ path: string; readMs: number; dispose(): Promise<void> }>;
	/**
	 * A transcript was completed or failed: the indexes over `ml_transcripts` bring its chunks up
	 * to date (a completed one replaces its previous chunks; a failed one drops them). Must not throw.
	 */
	onSettled?(fileId: string): Promise<void>;
}

export const TranscribeFilePayload = z.object({
	fileId: z.uuid(),
	language: z.string().min(2).max(8).optional(),
	model: z.string().min(1).max(200).optional(),
});
export type TranscribeFilePayload = z.infer<typeof TranscribeFilePayload>;

/**
 * Transcribes one file of directus_files into its `ml_transcripts` row, reporting progress per
 * piece. Input that can never work (not audio, too long or large, the file gone, no model) fails
 * the row at once; provider outages are retried by the queue with backoff.
 */
export const transcribeFileJob: JobDefinition<typeof TranscribeFilePayload, TranscriptionJobDeps> = {
	name: 'transcribe-file',
	queue: 'transcription',
	schema: TranscribeFilePayload,
	attempts: 5,
	describeItem: (data) => ({ collection: 'directus_files', item: data.fileId }),
	async process(data, deps, ctx) {
		const origin = { user: null, sourceType: 'job' as const, source: 'job:transcribe-file', collection: 'directus_files', item: data.fileId };
		await deps.transcripts.start(data.fileId, 'processing', data.model ?? null);
		try {
			const audio = await deps.openFile(data.fileId, ctx.signal);
			try {
				const result = await deps.service.transcribeFile(audio.path, {
					...(data.model ? { modelId: data.model } : {}),
					...(data.language ? { language: data.language } : {}),
					origin,
					signal: ctx.signal,
					onProgress: async (percent) => {
						await ctx.progress(percent);
						await deps.transcripts.progress(data.fileId, percent);
					},
				});
				await deps.transcripts.complete(data.fileId, { language: result.language, duration: result.duration, model: result.model, text: result.text, segments: result.segments, timings: { readMs: audio.readMs, ...result.timings } });
				await deps.onSettled?.(data.fileId);
				return { fileId: data.fileId, duration: result.duration, segments: result.segments.length, pieces: result.timings.pieces };
			} finally {
				await audio.dispose();
			}
		} catch (error) {
			const message = error instanceof Error ? error.message : String(error);
			await deps.transcripts.fail(data.fileId, message).catch(() => undefined);
			await deps.onSettled?.(data.fileId);
			// Directus's own errors carry an HTTP status: a storage outage (5xx) may pass, a missing file (403) will not.
			const status = (error as { status?: unknown }).status;
			const retryable = error instanceof MlError ? error.retryable : typeof status === 'number' && status >= 500;
			if (!retryable && !ctx.signal.aborted) throw new UnrecoverableJobError(message, { cause: error });
			throw error;
		}
	},
};

export const TRANSCRIPTION_JOBS = [transcribeFileJob];

export interface StuckSweepDeps {
	transcripts: TranscriptRepository;
	/** Queues the transcription of a file again (the model the row asked for, if any). */
	enqueue(fileId: string, model: string | null): Promise<void>;
	now?(): Date;
}

/**
 * Transcripts a stopped worker left `queued` or `processing` (no update for `olderThanSeconds`;
 * a live worker updates its row at every piece) are queued again, or marked failed, with the
 * reason, once they were started `maxAttempts` times: a file that takes its worker down each
 * time is not retried forever. Rows updated meanwhile are left to whoever updated them.
 */
export async function sweepStuckTranscripts(
	deps: StuckSweepDeps,
	options: { olderThanSeconds: number; maxAttempts: number },
): Promise<{ requeued: string[]; failed: string[]; unqueued: { file: string; error: string }[] }> {
	const now = deps.now?.() ?? new Date();
	const before = new Date(now.getTime() - options.olderThanSeconds * 1000);
	const requeued: string[] = [];
	const failed: string[] = [];
	const unqueued: { file: string; error: string }[] = [];
	for (const row of await deps.transcripts.stale(before)) {
		if (row.attempts >= options.maxAttempts) {
			const message = `The transcription stopped: it was left ${row.status} since ${row.since ?? 'an unknown time'} by a worker that stopped, after ${row.attempts} attempts. Use retry to transcribe the file again.`;
			if (await deps.transcripts.failIfStale(row.file, before, message)) failed.push(row.file);
			continue;
		}
		if (!(await deps.transcripts.requeueIfStale(row.file, before))) continue;
		try {
			await deps.enqueue(row.file, row.model);
			requeued.push(row.file);
		} catch (error) {
			// The row stays queued with a fresh date: the sweep finds it again one bound later.
			unqueued.push({ file: row.file, error: (error as Error).message });
		}
	}
	return { requeued, failed, unqueued };
}

/** Which uploads are transcribed automatically. */
export interface AutoTranscribeRules {
	enabled: boolean;
	/** Folder ids; empty = any folder. */
	folders: readonly string[];
	/** MIME patterns (`audio/*`, `video/mp4`). */
	mimeTypes: readonly string[];
	/** Largest file transcribed automatically, in bytes. */
	maxBytes: number;
}

/** Why an upload is not transcribed automatically, or null when it is. */
export function autoTranscribeSkipReason(rules: AutoTranscribeRules, file: { type?: string | null; folder?: string | null; filesize?: number | string | null }): string | null {
	if (!rules.enabled) return 'automatic transcription is off';
	const type = (file.type ?? '').toLowerCase();
	const mimeOk = rules.mimeTypes.some((pattern) => {
		const p = pattern.trim().toLowerCase();
		return p.endsWith('/*') ? type.startsWith(p.slice(0, -1)) : type === p;
	});
	if (!mimeOk) return `type ${type || 'unknown'} is not in ${rules.mimeTypes.join(', ')}`;
	if (rules.folders.length > 0 && !rules.folders.includes(file.folder ?? '')) return 'the folder is not one to transcribe';
	if (Number(file.filesize ?? 0) > rules.maxBytes) return 'the file is larger than the automatic transcription limit';
	return null;
}
