import { NotConfiguredError } from '../../core/errors.js';
import { autoTranscribeSkipReason, type AutoTranscribeRules } from '../../core/transcription/transcription-jobs.js';
import type { Container } from '../container.js';

type Action = (event: string, handler: (meta: Record<string, unknown>, context: Record<string, unknown>) => void | Promise<void>) => void;

/** The upload rules from the config (ML_TRANSCRIPTION_AUTO*). */
export function autoTranscribeRules(container: Container): AutoTranscribeRules {
	const c = container.config;
	return { enabled: c.ML_TRANSCRIPTION_AUTO, folders: c.ML_TRANSCRIPTION_AUTO_FOLDERS, mimeTypes: c.ML_TRANSCRIPTION_AUTO_MIME_TYPES, maxBytes: c.ML_TRANSCRIPTION_AUTO_MAX_MB * 1024 * 1024 };
}

/** Queues a transcription of `fileId`: the row shows `queued` at once; the job fills it in. */
export async function enqueueTranscription(container: Container, fileId: string, options: { language?: string; model?: string } = {}): Promise<{ id: string; queue: string }> {
	await container.transcription.transcripts.start(fileId, 'queued', options.model ?? null);
	try {
		const job = await container.queue.enqueue('transcribe-file', { fileId, ...options });
		return { id: job.id, queue: job.queue };
	} catch (error) {
		await container.transcription.transcripts.fail(fileId, `Could not queue the transcription: ${(error as Error).message}`);
		throw error;
	}
}

/**
 * Transcribes uploaded audio and video through the queue. An upload never waits on or fails
 * because of transcription: with no transcription model configured, or a file outside the rules,
 * nothing happens; a queue failure is logged and recorded on the transcript row.
 */
export function registerTranscriptionHooks(action: Action, getContainer: () => Promise<Container>): void {
	action('files.upload', async (meta) => {
		let container: Container | null = null;
		try {
			container = await getContainer();
			const key = meta.key === undefined || meta.key === null ? '' : String(meta.key);
			const payload = (meta.payload ?? {}) as { type?: string | null; folder?: string | null; filesize?: number | string | null };
			if (!key) return;
			const skip = autoTranscribeSkipReason(autoTranscribeRules(container), payload);
			if (skip) return;
			try {
				await container.models.transcriptionModel();
			} catch (error) {
				if (error instanceof NotConfiguredError) return;
				throw error;
			}
			await enqueueTranscription(container, key);
		} catch (error) {
			container?.host.logger.warn(`[ml-suite] could not queue the transcription of an uploaded file: ${(error as Error).message}`);
		}
	});
}
