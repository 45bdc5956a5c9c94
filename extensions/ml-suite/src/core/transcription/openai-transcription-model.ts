import { toFile } from 'openai';
import { ProviderError } from '../errors.js';
import { abortable, LazyOpenAIClient, toProviderError, type OpenAIConnectionOptions } from '../providers/openai-client.js';
import type { TranscriptionModel, TranscriptionRequest, TranscriptionResult, TranscriptSegment, TranscriptWord } from './types.js';
import { toLanguageCode } from './whisper-languages.js';

export interface OpenAITranscriptionModelOptions extends OpenAIConnectionOptions {
	/** Largest upload in bytes. Default: 25 MB (OpenAI's limit). */
	maxUploadBytes?: number | null;
}

/** OpenAI's gpt-4o transcribe models answer `json`/`text` only: no timings. */
const TEXT_ONLY = /^gpt-4o(-mini)?-transcribe/;

/**
 * Speech to text from OpenAI (`whisper-1`, `gpt-4o-transcribe`, `gpt-4o-mini-transcribe`) or any
 * server speaking `POST /v1/audio/transcriptions` (faster-whisper/speaches, whisper.cpp server,
 * LocalAI, vLLM). Whisper-style models are asked for `verbose_json` with segment and word
 * timestamps; the gpt-4o models only return text.
 */
export class OpenAITranscriptionModel implements TranscriptionModel {
	readonly provider: 'openai' | 'openai-compatible';
	readonly modelId: string;
	readonly maxUploadBytes: number;
	readonly returnsSegments: boolean;
	private readonly client: LazyOpenAIClient;

	constructor(options: OpenAITranscriptionModelOptions) {
		this.provider = options.provider;
		this.modelId = options.modelId;
		this.maxUploadBytes = options.maxUploadBytes ?? 25 * 1024 * 1024;
		this.returnsSegments = !TEXT_ONLY.test(options.modelId);
		this.client = new LazyOpenAIClient(options);
	}

	async transcribe(request: TranscriptionRequest): Promise<TranscriptionResult> {
		const options = this.client.requestOptions(request.signal);
		const { signal } = options;
		const context = { provider: this.provider, modelId: this.modelId, timeoutMs: this.client.timeoutMs, signal };
		const started = performance.now();
		const common = {
			model: this.modelId,
			...(request.language ? { language: request.language } : {}),
			...(request.prompt ? { prompt: request.prompt } : {}),
		};
		const raw: unknown = await this.client.guard(async () => {
			try {
				const client = this.client.get();
				// A fresh file per attempt: the SDK may retry, and a consumed body cannot be resent.
				const file = await toFile(request.audio, request.filename);
				const call: Promise<unknown> = this.returnsSegments
					? client.audio.transcriptions.create({ ...common, file, response_format: 'verbose_json', timestamp_granularities: ['segment', 'word'] }, options)
					: client.audio.transcriptions.create({ ...common, file, response_format: 'json' }, options);
				return await abortable(call, signal);
			} catch (error) {
				throw toProviderError(error, context);
			}
		});
		const latencyMs = performance.now() - started;
		return { ...this.parse(raw), latencyMs };
	}

	/** Reads only the fields used, and checks them: a malformed answer is a non-retryable provider error. */
	private parse(raw: unknown): Omit<TranscriptionResult, 'latencyMs'> {
		if (typeof raw !== 'object' || raw === null || typeof (raw as { text?: unknown }).text !== 'string') throw this.badResponse('returned no text');
		const body = raw as { text: string; language?: unknown; duration?: unknown; segments?: unknown; words?: unknown };
		const duration = typeof body.duration === 'number' && Number.isFinite(body.duration) ? body.duration : typeof body.duration === 'string' ? Number.parseFloat(body.duration) || null : null;
		const language = typeof body.language === 'string' ? toLanguageCode(body.language) : null;
		const words = Array.isArray(body.words) ? body.words.flatMap((w) => (isWord(w) ? [{ word: w.word.trim(), start: w.start, end: w.end }] : [])) : [];
		let segments: TranscriptSegment[] = [];
		if (Array.isArray(body.segments)) {
			for (const s of body.segments) {
				const text = (s as { text?: unknown } | null)?.text;
				if (!isTimed(s) || typeof text !== 'string') throw this.badResponse('returned a segment without start, end and text');
				segments.push({ start: s.start, end: s.end, text: text.trim() });
			}
		}
		if (words.length > 0) segments = attachWords(segments, words);
		return { text: body.text.trim(), language, duration, segments };
	}

	private badResponse(what: string): ProviderError {
		return new ProviderError(`${this.provider} model "${this.modelId}" ${what}.`, { provider: this.provider, retryable: false, code: 'PROVIDER_BAD_RESPONSE' });
	}
}

function isTimed(value: unknown): value is { start: number; end: number } {
	const v = value as { start?: unknown; end?: unknown } | null;
	return typeof v === 'object' && v !== null && typeof v.start === 'number' && typeof v.end === 'number' && Number.isFinite(v.start) && Number.isFinite(v.end);
}

function isWord(value: unknown): value is TranscriptWord {
	return isTimed(value) && typeof (value as { word?: unknown }).word === 'string';
}

/**
 * Hands each word to the segment its midpoint falls in (OpenAI returns words as one flat list).
 * With words but no segments, one segment holds them all.
 */
function attachWords(segments: TranscriptSegment[], words: TranscriptWord[]): TranscriptSegment[] {
	if (segments.length === 0) {
		const first = words[0]!;
		const last = words[words.length - 1]!;
		return [{ start: first.start, end: last.end, text: words.map((w) => w.word).join(' '), words }];
	}
	const out = segments.map((s) => ({ ...s, words: [] as TranscriptWord[] }));
	for (const word of words) {
		const mid = (word.start + word.end) / 2;
		const target = out.find((s) => mid >= s.start && mid < s.end) ?? out.reduce((best, s) => (Math.abs((s.start + s.end) / 2 - mid) < Math.abs((best.start + best.end) / 2 - mid) ? s : best));
		target.words.push(word);
	}
	return out;
}
