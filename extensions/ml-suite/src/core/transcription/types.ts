/**
 * The transcription contract, beside `EmbeddingModel` and `ChatModel`: audio in, timed text out.
 * Times are seconds from the start of the audio the model received.
 */

/** One word with its time range, when the provider reports word timings. */
export interface TranscriptWord {
	word: string;
	start: number;
	end: number;
}

/** A stretch of speech with its time range (a subtitle cue). */
export interface TranscriptSegment {
	start: number;
	end: number;
	text: string;
	/** Word timings inside the segment, when the provider gives them. */
	words?: TranscriptWord[];
}

export interface TranscriptionRequest {
	/** The audio bytes (a format the provider accepts: the service sends mono MP3). */
	audio: Uint8Array;
	/** File name sent with the upload; providers infer the format from its extension. */
	filename: string;
	/** ISO-639-1 language hint; omitted = the provider detects it. */
	language?: string;
	/** Optional text to steer spelling or continue from a previous piece. */
	prompt?: string;
	signal?: AbortSignal;
}

export interface TranscriptionResult {
	text: string;
	/** ISO-639-1 code (or the provider's language name mapped to one), null when unknown. */
	language: string | null;
	/** Duration of the audio received, in seconds (from the provider, else the caller's probe). */
	duration: number | null;
	segments: TranscriptSegment[];
	/** Wall-clock latency including retries, in ms. */
	latencyMs: number;
}

export interface TranscriptionModel {
	/** `openai` or `openai-compatible`. */
	readonly provider: string;
	/** Model id as the provider knows it (`whisper-1`, `gpt-4o-transcribe`, `Systran/faster-whisper-small`…). */
	readonly modelId: string;
	/** Largest upload the provider accepts, in bytes (OpenAI: 25 MB). Callers split longer audio. */
	readonly maxUploadBytes: number;
	/** True when the model returns segment timings (`verbose_json`); false = text only, one segment per call. */
	readonly returnsSegments: boolean;
	/** Transcribes one piece of audio. Throws `ProviderError` on failure. */
	transcribe(request: TranscriptionRequest): Promise<TranscriptionResult>;
}
