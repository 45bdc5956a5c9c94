import type { ChatModel, ProviderCallUsage } from '../providers/types.js';
import type { PromptSource } from '../prompts/prompt-store.js';
import type { MediaRange, RagHistoryMessage, SearchMode } from '../../shared/rag-types.js';

/**
 * A retrieved passage as RAG needs it: a permission-checked search hit (its `passage` as
 * `content`), restated here so RAG does not depend on the search service's types.
 */
export interface RagPassage {
	index: string;
	collection: string;
	item: string;
	title: string;
	content: string;
	/** Higher is better; relative within one retrieval. */
	score: number;
	link: string;
	/** The file and time range of timed speech (a transcript's passage). */
	media?: MediaRange;
}

/** The query part of a retrieval; the caller part (`Caller`) is added by `RagRequest.caller`. */
export interface RagRetrievalQuery {
	query: string;
	indexes?: string[];
	mode?: SearchMode;
	limit?: number;
	filter?: Record<string, unknown>;
	signal?: AbortSignal;
}

/**
 * Permission-aware retrieval. `Caller` carries who is asking (e.g. Directus accountability and
 * schema) and is spread into the options untouched, so core never needs to know its shape.
 */
export type RagRetriever<Caller extends object> = (options: RagRetrievalQuery & Caller) => Promise<RagPassage[]>;

export interface RagRequest<Caller extends object> {
	question: string;
	/** Who is asking; passed to the retriever as is. */
	caller: Caller;
	indexes?: string[];
	filter?: Record<string, unknown>;
	/** Passages to retrieve. Default: `RagServiceOptions.defaultLimit`. */
	limit?: number;
	/** Retrieval mode. Default: `hybrid`. */
	mode?: SearchMode;
	/** Earlier turns, oldest first. */
	history?: readonly RagHistoryMessage[];
	/** Chat model id; otherwise the prompt's model, otherwise the default chat model. */
	model?: string;
	/** Quote the best supporting sentences instead of calling a chat model (e.g. while it is down). Default false. */
	extractive?: boolean;
	/** Replaces the persona; the grounding rules are appended. */
	systemPrompt?: string;
	temperature?: number;
	/** Completion token cap; also what is reserved for the answer in the budget. */
	maxTokens?: number;
	/**
	 * Whether the caller may use the chat model the answer would be generated with (Directus
	 * permissions on `ml_models`; it may also refuse the request, e.g. over the model's caps). A
	 * requested `model` the caller may not use is refused (403); otherwise the answer is
	 * extractive, with a notice saying why. Default: every model may be used.
	 */
	mayUseModel?(model: ChatModel): Promise<boolean>;
	/** Aborting cancels retrieval and the provider call. */
	signal?: AbortSignal;
	/** Called once per chat model call, successful or not, for usage accounting. Must not throw. */
	onProviderCall?: (call: ProviderCallReport) => void;
}

/** One chat model call made for an answer. */
export interface ProviderCallReport {
	provider: string;
	model: string;
	usage: ProviderCallUsage;
	/** Set when the call failed. */
	error?: unknown;
	/** True when the caller cancelled the call (the error is then the abort, not a fault). */
	cancelled?: boolean;
}

export interface RagServiceOptions {
	/** Longest accepted question, in characters. Default: 4000. */
	maxQuestionLength?: number;
	/** Passages retrieved when the request has no `limit`. Default: 5. */
	defaultLimit?: number;
	/** Upper bound on `limit`. Default: 50. */
	maxLimit?: number;
	/** Tokens reserved for the answer when the request has no `maxTokens`, capped by the model's maximum. Default: 1024. */
	answerReserveTokens?: number;
	/** Context tokens kept free of history: older turns are dropped before the passages are squeezed below this. Default: 1024. */
	minContextTokens?: number;
	/** Prompt name (or task) in `ml_prompts` for answers. Default: `rag`. */
	promptName?: string;
	/** Sampling temperature when the request has none. Default: 0.2. */
	temperature?: number;
}

export interface RagServiceDeps<Caller extends object> {
	retrieve: RagRetriever<Caller>;
	/** Resolves a chat model by id (default model when omitted); null when no chat provider is configured. */
	getChatModel: (modelId?: string) => Promise<ChatModel | null>;
	prompts: PromptSource;
	estimateTokens: (text: string) => number;
	/** Sees the original error behind a stream's `error` event (which carries only a safe message), for logging. */
	onStreamError?: (error: unknown) => void;
	options?: RagServiceOptions;
}
