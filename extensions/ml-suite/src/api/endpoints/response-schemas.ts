import { z } from 'zod';
import type { AskResponse, Citation, IndexSummary, SearchHit } from '../../shared/rag-types.js';

/**
 * Success bodies of the routes content apps call, for the OpenAPI document. The wire types in
 * shared/ stay the source for TypeScript callers (the app and the SDK); the checks at the end
 * fail the typecheck when a schema here and its wire type drift apart.
 */

export const MediaRangeSchema = z
	.object({
		file: z.string().describe('directus_files id.'),
		start: z.number().describe('Seconds: start of the segment holding most of the query words.'),
		end: z.number(),
		chunkStart: z.number(),
		chunkEnd: z.number(),
		asset: z.string().describe('The asset with a media fragment (#t=start,end).'),
	})
	.describe('Where in the file the passage was said (timed transcripts).');

export const SearchHitSchema = z.object({
	index: z.string(),
	collection: z.string(),
	item: z.string(),
	title: z.string(),
	score: z.number().describe('Cosine similarity (semantic), keyword relevance (keyword) or fused score (hybrid); reranker score when reranked.'),
	snippet: z.string(),
	passage: z.string(),
	chunkIndex: z.number().int(),
	field: z.string().nullable(),
	link: z.string().describe('Admin-app path of the item.'),
	data: z.record(z.string(), z.unknown()).describe('The requested `fields` of the item, as the caller may read them.'),
	media: MediaRangeSchema.optional(),
});

export const SearchResponse = z.object({
	data: z.array(SearchHitSchema),
	meta: z.object({
		mode: z.enum(['semantic', 'keyword', 'hybrid']).optional(),
		reranked: z.boolean().optional(),
		keywordEngine: z.string().nullable().optional(),
		indexes: z.array(z.string()).optional(),
		tookMs: z.number(),
	}),
});

export const IndexSummarySchema = z.object({ name: z.string(), label: z.string(), collection: z.string(), status: z.string().optional() });
export const IndexesResponse = z.object({ data: z.array(IndexSummarySchema) });

export const CitationSchema = z.object({
	n: z.number().int(),
	index: z.string(),
	collection: z.string(),
	item: z.string(),
	title: z.string(),
	link: z.string(),
	passage: z.string(),
	score: z.number(),
	media: MediaRangeSchema.optional(),
});

export const AskResponseSchema = z.object({
	answer: z.string(),
	mode: z.enum(['extractive', 'generative']),
	citations: z.array(CitationSchema),
	model: z.string().nullable(),
	usage: z.object({ inputTokens: z.number(), outputTokens: z.number(), latencyMs: z.number() }),
	notices: z.array(z.string()),
	retrieved: z.number().int(),
});
/** `POST /ml/ask` without `stream`; with `stream: true` the answer is `text/event-stream`. */
export const AskResponseBody = z.object({ data: AskResponseSchema });

const vector = z.union([z.array(z.number()), z.string().describe('base64 of little-endian float32 (encoding_format: base64)')]);
export const EmbeddingResponse = z.object({ embedding: vector, model: z.string(), dimensions: z.number().int(), tokensUsed: z.number().int() });
export const EmbeddingBatchResponse = z.object({ embeddings: z.array(vector), model: z.string(), dimensions: z.number().int(), count: z.number().int(), tokensUsed: z.number().int() });
export const SimilarityResponse = z.object({ similarity: z.number(), model: z.string() });

/** Every analysis answer: the result's own fields plus who answered and what it cost. */
export const AnalysisResponse = z.looseObject({
	engine: z.enum(['local', 'llm']),
	model: z.string(),
	tokensUsed: z.number().int(),
	latencyMs: z.number(),
});

/** `POST /ml/analysis/text`: SynthStack's shape (summary as a string, keywords as a list), the full results under `details`. */
export const AnalyzeTextResponse = z.looseObject({
	engine: z.enum(['local', 'llm']),
	wordCount: z.number().int(),
	charCount: z.number().int(),
	details: z.record(z.string(), z.unknown()),
});

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
true satisfies Same<z.infer<typeof SearchHitSchema>, SearchHit>;
true satisfies Same<z.infer<typeof CitationSchema>, Citation>;
true satisfies Same<z.infer<typeof AskResponseSchema>, AskResponse>;
true satisfies Same<Omit<z.infer<typeof IndexSummarySchema>, 'status'>, IndexSummary>;
