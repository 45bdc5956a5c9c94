/**
 * Provider contracts. A model object carries its capabilities, so batching, budgeting and
 * validation live in the caller (the embedding service), not in each implementation.
 */
import type { ModelDefinition } from '../../shared/model-types.js';

export type { ModelDefinition };

/** What every provider call reports, for usage accounting. */
export interface ProviderCallUsage {
	/** Prompt/input tokens (counted by the provider when it reports them, estimated otherwise). */
	inputTokens: number;
	/** Completion/output tokens (0 for embeddings). */
	outputTokens: number;
	/** Wall-clock latency of the call, including retries, in milliseconds. */
	latencyMs: number;
}

export interface EmbeddingResult {
	/** One vector per input, in input order. */
	embeddings: number[][];
	usage: ProviderCallUsage;
}

export interface EmbeddingModel {
	/** Provider kind, e.g. `local`, `openai`, `openai-compatible`. */
	readonly provider: string;
	/** Model id as the provider knows it. */
	readonly modelId: string;
	/** Vector dimensions produced. */
	readonly dimensions: number;
	/** Most inputs accepted in one call; callers split larger batches. */
	readonly maxBatchSize: number;
	/** Most tokens accepted per input; callers reject longer inputs. */
	readonly maxInputTokens: number;
	/**
	 * Embeds `texts` (each non-empty) and returns one vector per input in the same order.
	 * Never drops or reorders inputs. Throws `ProviderError` on failure.
	 */
	embed(texts: readonly string[], options?: { signal?: AbortSignal }): Promise<EmbeddingResult>;
}

export type ChatRole = 'system' | 'user' | 'assistant';

export interface ChatMessage {
	role: ChatRole;
	content: string;
}

export interface ChatRequest {
	messages: readonly ChatMessage[];
	/** Upper bound on generated tokens. */
	maxTokens?: number;
	/** Sampling temperature, 0..2. */
	temperature?: number;
	/**
	 * Ask for JSON. `json_schema`: the server constrains output to `schema` (OpenAI structured
	 * outputs; only for models with `supportsJsonSchema`). `json_object`: any JSON object (JSON mode).
	 */
	responseFormat?: ChatResponseFormat;
	signal?: AbortSignal;
}

export type ChatResponseFormat = { type: 'json_schema'; name: string; schema: Record<string, unknown> } | { type: 'json_object' };

export interface ChatResult {
	content: string;
	finishReason: string;
	usage: ProviderCallUsage;
}

/** One streamed piece of a chat answer. The last event carries `usage` and `finishReason`. */
export type ChatStreamEvent =
	| { type: 'delta'; text: string }
	| { type: 'done'; finishReason: string; usage: ProviderCallUsage };

export interface ChatModel {
	readonly provider: string;
	readonly modelId: string;
	/** Context window in tokens (prompt + completion). */
	readonly contextWindow: number;
	/** Default and maximum completion tokens. */
	readonly maxOutputTokens: number;
	/** True when the server enforces a JSON schema (`response_format: json_schema`); otherwise (and when unset) callers use JSON mode and validate. */
	readonly supportsJsonSchema?: boolean;
	complete(request: ChatRequest): Promise<ChatResult>;
	/** Streams the answer; aborting `request.signal` cancels the upstream HTTP request. */
	stream(request: ChatRequest): AsyncIterable<ChatStreamEvent>;
}

