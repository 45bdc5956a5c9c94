/**
 * Typed `@directus/sdk` commands for the suite's `/ml` routes, for content apps:
 *
 *   import { createDirectus, rest, staticToken } from '@directus/sdk';
 *   import { mlSearch, mlAsk, mlAskStream } from 'directus-extension-ml-suite/sdk';
 *
 *   const client = createDirectus(url).with(staticToken(token)).with(rest());
 *   const hits = await client.request(mlSearch({ query: 'refund policy', indexes: ['articles'], limit: 5 }));
 *   for await (const event of mlAskStream(client, { question: 'How do refunds work?' })) …
 *
 * Request types are the routes' own zod input types, so a command cannot drift from what the
 * route accepts. Like the SDK's item commands, the `data` envelope is unwrapped. Types only are
 * imported from the api side: this module has no runtime dependency but `eventsource-parser`.
 */
import type { RestCommand } from '@directus/sdk';
import { createParser } from 'eventsource-parser';
import type { z } from 'zod';
import type { Answered } from '../core/analysis/analysis-service.js';
import type { ClassificationResult, EntitiesResult, GenerateResult, KeywordsResult, LanguageResult, ReadabilityResult, SentimentResult, SummaryResult } from '../core/analysis/types.js';
import type { AnalyzeTextBody, ClassifyBody, GenerateBody, KeywordsBody, SentimentBody, SummarizeBody, TextOnlyBody } from '../api/endpoints/analysis-routes.js';
import type { EstimateBody } from '../api/endpoints/complexity-routes.js';
import type { GenerateEmbeddingBody, SimilarityBody } from '../api/endpoints/embeddings-routes.js';
import type { AskRequest } from '../api/endpoints/rag-routes.js';
import type { SearchBody } from '../api/endpoints/search-routes.js';
import type { TranscribeBase64Body, TranscribeFileBody } from '../api/endpoints/transcription-routes.js';
import type { Transcript, TranscriptStatus } from '../core/transcription/transcript-repository.js';
import type { TranscriptSegment } from '../core/transcription/types.js';
import type { AskResponse, IndexSummary, RagStreamEvent, SearchHit } from '../shared/rag-types.js';

export type { AskResponse, Citation, IndexSummary, RagStreamEvent, SearchHit } from '../shared/rag-types.js';

export type MlSearchInput = z.input<typeof SearchBody>;
export type MlAskInput = Omit<z.input<typeof AskRequest>, 'stream'>;
export type MlEmbedInput = z.input<typeof GenerateEmbeddingBody>;
export type MlEmbedBatchInput = Omit<MlEmbedInput, 'text'> & { texts: string[] };
export type MlSimilarityInput = z.input<typeof SimilarityBody>;
export type MlEstimateInput = z.input<typeof EstimateBody>;
export type MlTranscribeInput = z.input<typeof TranscribeFileBody>;
export type MlTranscribeBase64Input = z.input<typeof TranscribeBase64Body>;
export type { TranscriptSegment, TranscriptStatus };

/** What a transcription heard. */
export interface MlTranscription {
	text: string;
	language: string | null;
	/** Seconds of audio. */
	duration: number;
	model: string;
	segments: TranscriptSegment[];
}

/** A file's stored transcript (`GET /ml/transcripts/:fileId`). */
export type MlTranscript = Omit<Transcript, 'dateCompleted' | 'dateUpdated'> & { date_completed: string | null; date_updated: string | null };

/** The analyses of `POST /ml/analysis/<name>`, with their request and result types. */
export interface MlAnalyses {
	summarize: { input: z.input<typeof SummarizeBody>; output: Answered<SummaryResult> };
	sentiment: { input: z.input<typeof SentimentBody>; output: Answered<SentimentResult> };
	keywords: { input: z.input<typeof KeywordsBody>; output: Answered<KeywordsResult> };
	classify: { input: z.input<typeof ClassifyBody>; output: Answered<ClassificationResult> & { textPreview: string } };
	entities: { input: z.input<typeof TextOnlyBody>; output: Answered<EntitiesResult> };
	language: { input: z.input<typeof TextOnlyBody>; output: Answered<LanguageResult> };
	readability: { input: z.input<typeof TextOnlyBody>; output: Answered<ReadabilityResult> };
	generate: { input: z.input<typeof GenerateBody>; output: Answered<GenerateResult> };
}
export type MlAnalysisName = keyof MlAnalyses;
export type MlAnalyzeTextInput = z.input<typeof AnalyzeTextBody>;

export interface MlEmbedding {
	/** The vector, or base64 of little-endian float32 bytes with `encoding_format: 'base64'` (see `decodeEmbedding`). */
	embedding: number[] | string;
	model: string;
	dimensions: number;
	tokensUsed: number;
}
export interface MlEmbeddingBatch {
	embeddings: (number[] | string)[];
	model: string;
	dimensions: number;
	count: number;
	tokensUsed: number;
}

function post<Output>(path: string, body: unknown): RestCommand<Output, never> {
	return () => ({ method: 'POST', path, body: JSON.stringify(body) });
}

const segment = (value: string | number): string => encodeURIComponent(String(value));

/** `POST /ml/search`: ranked hits from the indexes the caller may use (hybrid by default). */
export function mlSearch(input: MlSearchInput): RestCommand<SearchHit[], never> {
	return post('/ml/search', input);
}

/** `GET /ml/related/:index/:item`: items similar to one item. */
export function mlRelated(index: string, item: string | number, options: { limit?: number; fields?: string[] } = {}): RestCommand<SearchHit[], never> {
	return () => ({
		method: 'GET',
		path: `/ml/related/${segment(index)}/${segment(item)}`,
		params: { ...(options.limit !== undefined ? { limit: options.limit } : {}), ...(options.fields?.length ? { fields: options.fields.join(',') } : {}) },
	});
}

/** `GET /ml/indexes`: the indexes the caller may search. */
export function mlIndexes(): RestCommand<IndexSummary[], never> {
	return () => ({ method: 'GET', path: '/ml/indexes' });
}

/** `POST /ml/ask` without streaming: an answer grounded in the caller's readable items, with citations. */
export function mlAsk(input: MlAskInput): RestCommand<AskResponse, never> {
	return post('/ml/ask', { ...input, stream: false });
}

/** `POST /ml/embeddings/generate`. */
export function mlEmbed(input: MlEmbedInput): RestCommand<MlEmbedding, never> {
	return post('/ml/embeddings/generate', input);
}

/** `POST /ml/embeddings/batch`. */
export function mlEmbedBatch(input: MlEmbedBatchInput): RestCommand<MlEmbeddingBatch, never> {
	return post('/ml/embeddings/batch', input);
}

/** `POST /ml/embeddings/similarity`: cosine similarity of two texts. */
export function mlSimilarity(input: MlSimilarityInput): RestCommand<{ similarity: number; model: string }, never> {
	return post('/ml/embeddings/similarity', input);
}

/** `POST /ml/analysis/<name>`: one analysis; the result names the engine that answered. */
export function mlAnalyze<N extends MlAnalysisName>(name: N, input: MlAnalyses[N]['input']): RestCommand<MlAnalyses[N]['output'], never> {
	return post(`/ml/analysis/${name}`, input);
}

/** `POST /ml/analysis/text`: several analyses of one text in one call (SynthStack's shape). */
export function mlAnalyzeText(input: MlAnalyzeTextInput): RestCommand<Record<string, unknown> & { engine: string }, never> {
	return post('/ml/analysis/text', input);
}

/** `POST /ml/complexity/estimate`: complexity level, points and hours of a task. */
export function mlEstimateComplexity(input: MlEstimateInput): RestCommand<Record<string, unknown>, never> {
	return post('/ml/complexity/estimate', input);
}

/** `POST /ml/transcription/audio`: transcribes a file of `directus_files` the caller may read, and stores the transcript. */
export function mlTranscribe(input: MlTranscribeInput): RestCommand<{ transcription: MlTranscription; transcript_id: string | null; file_id: string }, never> {
	return post('/ml/transcription/audio', input);
}

/** `POST /ml/transcription/audio/base64`: transcribes audio sent in the request; nothing is stored. */
export function mlTranscribeBase64(input: MlTranscribeBase64Input): RestCommand<{ transcription: MlTranscription }, never> {
	return post('/ml/transcription/audio/base64', input);
}

/** `GET /ml/transcripts/:fileId`: a file's transcript with its timed segments. */
export function mlTranscript(fileId: string): RestCommand<MlTranscript, never> {
	return () => ({ method: 'GET', path: `/ml/transcripts/${segment(fileId)}` });
}

/** `POST /ml/transcripts/:fileId/retry`: queues a (new) transcription of a file. */
export function mlTranscriptRetry(fileId: string, options: Omit<MlTranscribeInput, 'fileId'> = {}): RestCommand<{ queued: true; file: string; job: { id: string; queue: string } }, never> {
	return post(`/ml/transcripts/${segment(fileId)}/retry`, options);
}

/** `GET /ml/transcripts/:fileId/{srt,vtt,txt}`: a completed transcript as subtitles or plain text. */
export function mlTranscriptExport(fileId: string, format: 'srt' | 'vtt' | 'txt'): RestCommand<string, never> {
	return () => ({
		method: 'GET',
		path: `/ml/transcripts/${segment(fileId)}/${format}`,
		// The SDK hands over responses it does not parse (subtitle types) as they are.
		onResponse: (response: unknown) => (response instanceof Response ? response.text() : response),
	});
}

/** Decodes a `encoding_format: 'base64'` embedding (little-endian float32) into numbers. */
export function decodeEmbedding(embedding: number[] | string): Float32Array {
	if (typeof embedding !== 'string') return Float32Array.from(embedding);
	const bytes = Uint8Array.from(atob(embedding), (c) => c.charCodeAt(0));
	const view = new DataView(bytes.buffer);
	const out = new Float32Array(bytes.byteLength / 4);
	for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(i * 4, true);
	return out;
}

/** The parts of a Directus SDK client a stream needs: its URL, fetch, and (with `staticToken`/`authentication`) its token. */
export interface MlStreamClient {
	url: URL;
	/** The SDK types its fetch loosely; it is the WHATWG `fetch` (globalThis.fetch unless configured). */
	globals: { fetch: (input: URL, init: RequestInit) => Promise<unknown> };
	getToken?: () => Promise<string | null>;
}

/** Thrown by `mlAskStream` when the route refuses before streaming (the Directus error body is kept). */
export class MlRequestError extends Error {
	constructor(
		readonly status: number,
		readonly errors: { message: string; extensions?: { code?: string } }[],
	) {
		super(errors[0]?.message ?? `Request failed with status ${status}`);
		this.name = 'MlRequestError';
	}
}

/**
 * `POST /ml/ask` as Server-Sent Events: yields `token` events as the model writes, then
 * `citations`, `usage` and `done`. An `error` event ends the stream early (it is yielded, not
 * thrown, so partial text can be kept). Breaking out of the loop or aborting `signal` cancels
 * the request, and the server stops the model call.
 */
export async function* mlAskStream(client: MlStreamClient, input: MlAskInput, options: { signal?: AbortSignal } = {}): AsyncGenerator<RagStreamEvent> {
	const token = client.getToken ? await client.getToken() : null;
	const url = new URL(`${client.url.pathname.replace(/\/$/, '')}/ml/ask`, client.url);
	const controller = new AbortController();
	const abort = () => controller.abort(options.signal?.reason);
	options.signal?.addEventListener('abort', abort, { once: true });
	try {
		const res = (await client.globals.fetch(url, {
			method: 'POST',
			headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
			body: JSON.stringify({ ...input, stream: true }),
			signal: controller.signal,
		})) as Response;
		if (!res.ok || !res.body) {
			const body = (await res.json().catch(() => ({}))) as { errors?: MlRequestError['errors'] };
			throw new MlRequestError(res.status, body.errors ?? []);
		}
		const pending: RagStreamEvent[] = [];
		const parser = createParser({ onEvent: (event) => pending.push(JSON.parse(event.data) as RagStreamEvent) });
		const decoder = new TextDecoder();
		const reader = res.body.getReader();
		try {
			for (;;) {
				const { done, value } = await reader.read();
				if (done) break;
				parser.feed(decoder.decode(value, { stream: true }));
				while (pending.length) {
					const event = pending.shift() as RagStreamEvent;
					yield event;
					if (event.type === 'done' || event.type === 'error') return;
				}
			}
		} finally {
			reader.releaseLock();
		}
	} finally {
		options.signal?.removeEventListener('abort', abort);
		controller.abort();
	}
}
