import { NotConfiguredError } from '../../core/errors.js';
import { autoTranscribeSkipReason, type AutoTranscribeRules } from '../../core/transcription/transcription-jobs.js';
import type { Container } from '../container.js';
import type { ActionRegister, FilterRegister } from './hook-register.js';

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
export function registerTranscriptionHooks(action: ActionRegister, filter: FilterRegister, getContainer: () => Promise<Container>): void {
	// A deleted file takes its transcript with it (foreign key cascade, no item event): note the
	// transcripts before, and have the indexes drop their chunks after.
	const deleting = new Map<string, string[]>();
	filter('files.delete', async (payload) => {
		try {
			const keys = Array.isArray(payload) ? payload.map(String) : [];
			const container = await getContainer();
			const ids = await container.transcription.transcripts.idsOf(keys);
			if (ids.length > 0) for (const key of keys) deleting.set(key, ids);
		} catch (error) {
			(await getContainer()).host.logger.warn(`[ml-suite] could not look up transcripts of files being deleted: ${(error as Error).message}`);
		}
		return payload;
	});
	action('files.delete', async (meta) => {
		const keys = Array.isArray(meta.keys) ? meta.keys.map(String) : meta.key !== undefined ? [String(meta.key)] : [];
		const ids = new Set<string>();
		for (const key of keys) {
			for (const id of deleting.get(key) ?? []) ids.add(id);
			deleting.delete(key);
		}
		if (ids.size === 0) return;
		const container = await getContainer();
		await container.transcription.transcriptsChanged([...ids]).catch((error: unknown) => container.host.logger.warn(`[ml-suite] could not queue removal of deleted files' transcripts from search: ${(error as Error).message}`));
	});

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
