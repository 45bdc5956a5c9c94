import type { Accountability } from '@directus/types';
import type { Response, Router } from 'express';
import { z } from 'zod';
import { InvalidPayloadError, notFoundOrForbidden, PayloadTooLargeError } from '../../core/errors.js';
import { toPlainText, toSrt, toVtt } from '../../core/transcription/subtitles.js';
import type { FileTranscription } from '../../core/transcription/transcription-service.js';
import type { Transcript } from '../../core/transcription/transcript-repository.js';
import { WHISPER_LANGUAGES } from '../../core/transcription/whisper-languages.js';
import type { Container } from '../container.js';
import { parseInput, route, type MlRequest } from '../http.js';
import { enqueueTranscription } from '../hooks/transcription-hooks.js';
import type { LocalAudio } from '../transcription-wiring.js';

const fileId = z.uuid({ error: 'must be the id (a UUID) of a file in directus_files' });
const language = z
	.string()
	.trim()
	.toLowerCase()
	.refine((code) => code in WHISPER_LANGUAGES, 'must be an ISO-639-1 language code from GET /ml/transcription/languages')
	.optional();
const model = z.string().trim().min(1).max(200).optional();

/** Only a file id: a server path or URL is never accepted (it would read arbitrary files or fetch arbitrary hosts). */
export const TranscribeFileBody = z.strictObject(
	{ fileId, language, model },
	{ error: (issue) => (issue.code === 'unrecognized_keys' ? `unknown field(s) ${issue.keys.join(', ')}: send the fileId of a file in directus_files, never a path or URL` : undefined) },
);

const base64 = /^[A-Za-z0-9+/]*={0,2}$/;
export const TranscribeBase64Body = z.object({
	audio: z
		.string({ error: 'must be a base64 string' })
		.transform((s) => s.replace(/^data:[^;,]+;base64,/, '').replace(/\s+/g, ''))
		.refine((s) => s.length > 0, 'must not be empty')
		.refine((s) => base64.test(s) && s.length % 4 !== 1, 'must be base64'),
	filename: z.string().trim().min(1).max(255).default('audio'),
	language,
	model,
});

const FileParams = z.object({ fileId });

function shape(result: FileTranscription): Record<string, unknown> {
	return { text: result.text, language: result.language, duration: result.duration, model: result.model, segments: result.segments };
}

function transcriptBody(t: Transcript): Record<string, unknown> {
	return {
		id: t.id,
		file: t.file,
		status: t.status,
		progress: t.progress,
		language: t.language,
		duration: t.duration,
		model: t.model,
		text: t.text,
		segments: t.segments,
		error: t.error,
		attempts: t.attempts,
		timings: t.timings,
		date_completed: t.dateCompleted,
		date_updated: t.dateUpdated,
	};
}

/** Transcription: the SynthStack-compatible routes and the suite's transcript export routes. */
export function registerTranscriptionRoutes(router: Router, getContainer: () => Promise<Container>): void {
	/** Resolves the model (503 when none is configured) and checks the caller may use it, before any file is read. */
	const useModel = async (container: Container, req: MlRequest, modelId: string | undefined) => {
		const resolved = await container.models.transcriptionModel(modelId);
		await container.modelAccess.assert(req.accountability, resolved.definition, req.schema);
		container.transcription.service.requireFfmpeg();
		return resolved;
	};

	const withAudio = async <T>(audio: LocalAudio, fn: (audio: LocalAudio) => Promise<T>): Promise<T> => {
		try {
			return await fn(audio);
		} finally {
			await audio.dispose();
		}
	};

	route(router, 'post', '/transcription/audio', { access: 'user', body: TranscribeFileBody, longRunning: true, summary: 'Transcribe a file of directus_files (by id) and store its transcript' }, async (req, container) => {
		const { service, transcripts } = container.transcription;
		await useModel(container, req, req.body.model);
		const audio = await container.transcription.readFile(req.body.fileId, req.accountability, req.signal);
		return withAudio(audio, async () => {
			// Bad input is refused before anything is written.
			const probe = await service.probe(audio.path, req.signal);
			const result = await service.transcribeFile(audio.path, { modelId: req.body.model, language: req.body.language, origin: { ...req.origin, collection: 'directus_files', item: req.body.fileId }, signal: req.signal }, probe);
			await transcripts.complete(req.body.fileId, { language: result.language, duration: result.duration, model: result.model, text: result.text, segments: result.segments, timings: { readMs: audio.readMs, ...result.timings } });
			const stored = await transcripts.get(req.body.fileId);
			return { transcription: shape(result), transcript_id: stored?.id ?? null, file_id: req.body.fileId };
		});
	}, getContainer);

	route(router, 'post', '/transcription/audio/base64', { access: 'user', body: TranscribeBase64Body, longRunning: true, summary: 'Transcribe base64 audio (not stored)' }, async (req, container) => {
		const max = container.config.ML_TRANSCRIPTION_BASE64_MAX_MB * 1024 * 1024;
		// 4 base64 characters carry 3 bytes: refuse before decoding.
		const bytes = Math.floor((req.body.audio.length * 3) / 4) - (req.body.audio.endsWith('==') ? 2 : req.body.audio.endsWith('=') ? 1 : 0);
		if (bytes > max) throw new PayloadTooLargeError(`The audio is ${bytes} bytes; at most ${max} are accepted here (ML_TRANSCRIPTION_BASE64_MAX_MB). Upload larger files to Directus and transcribe them by fileId.`, { bytes, limit: max });
		await useModel(container, req, req.body.model);
		const data = Buffer.from(req.body.audio, 'base64');
		if (data.byteLength === 0) throw new InvalidPayloadError('Invalid body: "audio": decodes to no bytes.', { field: 'audio' });
		const audio = await container.transcription.writeTemp(data, req.body.filename);
		return withAudio(audio, async () => {
			const { service } = container.transcription;
			const probe = await service.probe(audio.path, req.signal);
			const result = await service.transcribeFile(audio.path, { modelId: req.body.model, language: req.body.language, origin: req.origin, signal: req.signal }, probe);
			return { transcription: shape(result) };
		});
	}, getContainer);

	route(router, 'get', '/transcription/formats', { access: 'user', summary: 'Audio formats this install can decode' }, async (_req, container) => {
		const ffmpeg = container.transcription.ffmpeg;
		if (!ffmpeg) return { formats: [], details: [], decoder: null, message: 'No ffmpeg was found: nothing can be decoded. Set ML_FFMPEG_PATH or install ffmpeg.' };
		const details = await ffmpeg.decodableFormats();
		return { formats: details.map((d) => d.extension), details, decoder: { source: ffmpeg.binary.source, version: await ffmpeg.version() } };
	}, getContainer);

	route(router, 'get', '/transcription/languages', { access: 'user', summary: 'Languages the Whisper-family models transcribe' }, async () => {
		const languages = Object.entries(WHISPER_LANGUAGES).map(([code, name]) => ({ code, name }));
		return { languages, count: languages.length };
	}, getContainer);

	route(router, 'get', '/transcription/health', { access: 'user', servedWhileLocked: true, summary: 'Whether transcription can run here, and with what' }, async (_req, container) => transcriptionHealth(container), getContainer);

	/** The caller may read a transcript when Directus lets them read its file. */
	const assertCanReadFile = async (container: Container, accountability: Accountability, id: string): Promise<void> => {
		const { host } = container;
		const files = new host.services.FilesService({ schema: await host.getSchema(), knex: host.database, accountability });
		try {
			await files.readOne(id, { fields: ['id'] });
		} catch (error) {
			if ((error as { status?: number }).status === 403) throw notFoundOrForbidden(`the file "${id}"`);
			throw error;
		}
	};

	const readTranscript = async (container: Container, req: MlRequest): Promise<Transcript> => {
		const { fileId: id } = parseInput(FileParams, req.params, 'path');
		await assertCanReadFile(container, req.accountability, id);
		const transcript = await container.transcription.transcripts.get(id);
		if (!transcript) throw notFoundOrForbidden(`a transcript of the file "${id}"`);
		return transcript;
	};

	route(router, 'get', '/transcripts/:fileId', { access: 'user', summary: "A file's transcript with segments" }, async (req, container) => transcriptBody(await readTranscript(container, req)), getContainer);

	route(router, 'post', '/transcripts/:fileId/retry', { access: 'user', body: z.object({ language, model }).optional(), status: 202, summary: "Queue a (new) transcription of a file" }, async (req, container) => {
		const { fileId: id } = parseInput(FileParams, req.params, 'path');
		const resolved = await useModel(container, req, req.body?.model);
		// Reading the file checks the caller may read it (Directus's answer for unknown files), and
		// probing it refuses what can never be transcribed (415 not audio or damaged, 413 too long)
		// before anything is queued or written.
		const local = await container.transcription.readFile(id, req.accountability, req.signal);
		try {
			await container.transcription.service.probe(local.path, req.signal);
		} finally {
			await local.dispose();
		}
		const current = await container.transcription.transcripts.get(id);
		// A row left queued/processing by a lost job (a restart) may be retried once it is as old as the stuck sweep's bound.
		const stale = !current?.dateUpdated || Date.now() - new Date(current.dateUpdated).getTime() > container.config.ML_TRANSCRIPTION_STUCK_SECONDS * 1000;
		if (current && (current.status === 'queued' || current.status === 'processing') && !stale) {
			throw new InvalidPayloadError(`The file is already being transcribed (${current.status}).`, { status: current.status });
		}
		const job = await enqueueTranscription(container, id, { ...(req.body?.language ? { language: req.body.language } : {}), ...(req.body?.model ? { model: resolved.definition.modelId } : {}) });
		return { queued: true, file: id, job };
	}, getContainer);

	const exporters: Record<'srt' | 'vtt' | 'txt', { type: string; render: typeof toSrt }> = {
		srt: { type: 'application/x-subrip; charset=utf-8', render: toSrt },
		vtt: { type: 'text/vtt; charset=utf-8', render: toVtt },
		txt: { type: 'text/plain; charset=utf-8', render: toPlainText },
	};
	for (const [format, { type, render }] of Object.entries(exporters)) {
		route(router, 'get', `/transcripts/:fileId/${format}`, { access: 'user', summary: `A file's transcript as ${format.toUpperCase()}` }, async (req, container, res: Response) => {
			const transcript = await readTranscript(container, req);
			if (transcript.status !== 'completed') throw new InvalidPayloadError(`The transcript of this file is ${transcript.status}, not completed: there is nothing to export yet.`, { status: transcript.status });
			res.setHeader('Content-Type', type);
			res.setHeader('Content-Disposition', `attachment; filename="transcript-${transcript.file}.${format}"`);
			res.status(200).send(render(transcript.segments));
			return undefined;
		}, getContainer);
	}
}

/** Shared by /ml/transcription/health and the suite's health checks. */
export async function transcriptionHealth(container: Container): Promise<Record<string, unknown>> {
	const ffmpeg = container.transcription.ffmpeg;
	const decoder = ffmpeg ? { path: ffmpeg.binary.path, source: ffmpeg.binary.source, version: await ffmpeg.version().catch((e: unknown) => `unusable: ${(e as Error).message}`) } : null;
	try {
		const { model } = await container.models.transcriptionModel();
		if (!ffmpeg) return { status: 'unavailable', available: false, backend: `${model.provider}/${model.modelId}`, decoder, message: 'No ffmpeg was found to decode audio. Set ML_FFMPEG_PATH or install ffmpeg.' };
		return { status: 'ok', available: true, backend: `${model.provider}/${model.modelId}`, model: model.modelId, returnsSegments: model.returnsSegments, decoder };
	} catch (error) {
		return { status: 'unavailable', available: false, backend: null, decoder, message: (error as Error).message };
	}
}
