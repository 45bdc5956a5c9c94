import type { Accountability } from '@directus/types';
import { z } from 'zod';
import type { CallOrigin } from '../../../core/usage/types.js';
import type { Container } from '../../container.js';
import { enqueueTranscription } from '../../hooks/transcription-hooks.js';
import { parseInput } from '../../http.js';
import { blank, optionalBoolean, optionalString } from '../flow-options.js';

export const TranscribeFileOperationOptions = z.object({
	/** A directus_files id, e.g. `{{$trigger.key}}` from a files.upload trigger. */
	file: z.preprocess((v) => (typeof v === 'string' ? v.trim() : blank(v)), z.uuid({ error: 'must be the id (a UUID) of a file in directus_files' })),
	language: optionalString,
	model: optionalString,
	/** Transcribe now and return the transcript, instead of queueing a job. Default false. */
	wait: optionalBoolean.transform((v) => v ?? false),
});

export type TranscribeFileOperationResult =
	| { status: 'queued'; file: string; job: { id: string; queue: string } }
	| { status: 'completed'; file: string; transcript: { text: string; language: string | null; duration: number; model: string; segments: unknown[] } };

/**
 * The "Transcribe file" Flow operation: queues a transcription (default) or, with `wait`, runs it
 * and returns the transcript. The file is read with the flow's accountability (none = system).
 */
export async function runTranscribeFileOperation(rawOptions: unknown, container: Container, context: { accountability: Accountability | null; origin: CallOrigin }): Promise<TranscribeFileOperationResult> {
	const options = parseInput(TranscribeFileOperationOptions, rawOptions ?? {}, 'options');
	const resolved = await container.models.transcriptionModel(options.model);
	if (!options.wait) {
		// The job runs as the system: check the flow's caller may read the file before queueing.
		if (context.accountability) await (await container.transcription.readFile(options.file, context.accountability)).dispose();
		const job = await enqueueTranscription(container, options.file, { ...(options.language ? { language: options.language } : {}), ...(options.model ? { model: resolved.definition.modelId } : {}) });
		return { status: 'queued', file: options.file, job };
	}
	const { service, transcripts } = container.transcription;
	const audio = await container.transcription.readFile(options.file, context.accountability);
	try {
		const probe = await service.probe(audio.path);
		const result = await service.transcribeFile(audio.path, { ...(options.model ? { modelId: options.model } : {}), ...(options.language ? { language: options.language } : {}), origin: { ...context.origin, collection: 'directus_files', item: options.file } }, probe);
		await transcripts.complete(options.file, { language: result.language, duration: result.duration, model: result.model, text: result.text, segments: result.segments, timings: { readMs: audio.readMs, ...result.timings } });
		return { status: 'completed', file: options.file, transcript: { text: result.text, language: result.language, duration: result.duration, model: result.model, segments: result.segments } };
	} finally {
		await audio.dispose();
	}
}
