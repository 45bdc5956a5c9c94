/**
 * Wire types for search and RAG, shared by the api side (routes, core/rag) and the app
 * (Playground). Types only: nothing here may import runtime code.
 */

/** `semantic` = vector similarity only; `keyword` = the database's full-text engine only; `hybrid` = both, fused. */
export type SearchMode = 'semantic' | 'keyword' | 'hybrid';

/** Hybrid fusion settings of a search request (unset fields take the index model's defaults). */
export interface FusionRequest {
	/** `rrf` (reciprocal rank fusion) or `weighted` (normalised score sum). */
	method?: 'rrf' | 'weighted';
	/** RRF k (default 60). */
	k?: number;
	semanticWeight?: number;
	keywordWeight?: number;
	/** Readable candidates taken from each engine before fusing (default 100). */
	depth?: number;
}

/** One entry of `GET /ml/indexes`. */
export interface IndexSummary {
	/** Index name (ml_indexes.name), used in requests. */
	name: string;
	collection: string;
	label: string;
}

/** Body of `POST /ml/search`. */
export interface SearchRequestBody {
	query: string;
	/** Index names; every index the caller can use when omitted. */
	indexes?: string[];
	/** Default: `hybrid`. */
	mode?: SearchMode;
	/** Directus filter applied to the items. */
	filter?: Record<string, unknown>;
	limit?: number;
	fusion?: FusionRequest;
}

/** One ranked result of `POST /ml/search` (what the search service returns). */
export interface SearchHit {
	index: string;
	collection: string;
	item: string;
	title: string;
	/** Cosine similarity (semantic), keyword relevance (keyword) or fused score (hybrid); reranker score when reranked. */
	score: number;
	/** Short passage (best sentences) from fields the caller can read. */
	snippet: string;
	/** The matched chunk when the caller may read every field it was built from, else the snippet. */
	passage: string;
	/** Position of the matched chunk within its field. */
	chunkIndex: number;
	/** Content field the matched chunk comes from (null when the hit has no chunk the caller may read). */
	field: string | null;
	/** Admin-app path of the item; for a hit with `media`, the file's page opened at `media.start`. */
	link: string;
	/** The requested `fields` of the item, as the caller may read them. */
	data: Record<string, unknown>;
	/** Set when the matched chunk is timed speech of a file (a transcript): where it was said. */
	media?: MediaRange;
}

/** Where in a file's audio or video a hit was said. */
export interface MediaRange {
	/** `directus_files` id. */
	file: string;
	/** Seconds from the start of the media: the segment holding most of the query's words, within the chunk. */
	start: number;
	end: number;
	/** The whole matched chunk's range. */
	chunkStart: number;
	chunkEnd: number;
	/** The file's asset with a media fragment (`#t=start,end`): a browser plays it from `start`. */
	asset: string;
}

/** A prior turn of a conversation. System messages are not accepted from callers. */
export interface RagHistoryMessage {
	role: 'user' | 'assistant';
	content: string;
}

/** Body of `POST /ml/ask`. */
export interface AskRequestBody {
	question: string;
	indexes?: string[];
	filter?: Record<string, unknown>;
	/** Passages to retrieve. Default 5. */
	limit?: number;
	/** Retrieval mode. Default: `hybrid`. */
	mode?: SearchMode;
	/** Earlier turns, oldest first; trimmed oldest-first when they do not fit. */
	history?: RagHistoryMessage[];
	/** Chat model id; the default chat model when omitted. */
	model?: string;
	/** Quote the best supporting sentences instead of calling a chat model. Default false. */
	extractive?: boolean;
	/** Replaces the persona of the RAG prompt; the grounding rules are always kept. */
	systemPrompt?: string;
	temperature?: number;
	maxTokens?: number;
	/** Answer as Server-Sent Events (`RagStreamEvent`s). Default false. */
	stream?: boolean;
}

/** A passage the answer relies on, linking to the item it came from. */
export interface Citation {
	/** The `[n]` marker used in the answer. */
	n: number;
	index: string;
	collection: string;
	item: string;
	title: string;
	/** Deep link into the admin app. */
	link: string;
	/** The text actually given to the model (or, for extractive answers, the sentences quoted). */
	passage: string;
	score: number;
	/** Set when the passage is timed speech of a file (a transcript): the file and where it was said. */
	media?: MediaRange;
}

/** `generative` = written by a chat model; `extractive` = sentences quoted from the passages. */
export type AnswerMode = 'extractive' | 'generative';

export interface RagUsage {
	inputTokens: number;
	outputTokens: number;
	latencyMs: number;
}

/** Response of `POST /ml/ask` without streaming. */
export interface AskResponse {
	answer: string;
	mode: AnswerMode;
	citations: Citation[];
	/** Chat model id, or null for extractive answers. */
	model: string | null;
	usage: RagUsage;
	/** Things the caller should know, e.g. that older history was dropped to fit. */
	notices: string[];
	/** How many passages retrieval returned (before the token budget). */
	retrieved: number;
}

/**
 * Events of a streamed answer, in this order: `token`* then `citations`, `usage`, `done`.
 * An `error` event ends the stream early; nothing follows it.
 */
export type RagStreamEvent =
	| { type: 'token'; text: string }
	| { type: 'citations'; citations: Citation[] }
	| { type: 'usage'; usage: RagUsage; model: string | null }
	| { type: 'done'; mode: AnswerMode; notices: string[]; retrieved: number }
	| { type: 'error'; message: string; code: string; status?: number };
