import { ProviderError } from '../errors.js';
import { estimateTokens } from '../text/estimate-tokens.js';
import { abortable, abortReason, LazyOpenAIClient, toProviderError, type OpenAIConnectionOptions } from './openai-client.js';
import type { ChatMessage, ChatModel, ChatRequest, ChatResult, ChatStreamEvent, ProviderCallUsage } from './types.js';

export interface OpenAIChatModelOptions extends OpenAIConnectionOptions {
	/** Context window in tokens. Default: 128000 for `openai`, 8192 for `openai-compatible`. */
	contextWindow?: number | null;
	/** Completion tokens when a request sets none, and the most a request may ask for. Default: 4096. */
	maxOutputTokens?: number | null;
}

/** Chat completions from OpenAI or any server speaking its `/v1/chat/completions` API. */
export class OpenAIChatModel implements ChatModel {
	readonly provider: 'openai' | 'openai-compatible';
	readonly modelId: string;
	readonly contextWindow: number;
	readonly maxOutputTokens: number;
	private readonly client: LazyOpenAIClient;

	constructor(options: OpenAIChatModelOptions) {
		this.provider = options.provider;
		this.modelId = options.modelId;
		this.contextWindow = options.contextWindow ?? (options.provider === 'openai' ? 128_000 : 8192);
		this.maxOutputTokens = options.maxOutputTokens ?? 4096;
		this.client = new LazyOpenAIClient(options);
	}

	async complete(request: ChatRequest): Promise<ChatResult> {
		const options = this.client.requestOptions(request.signal);
		const { signal } = options;
		const started = performance.now();
		const response = await this.client.guard(async () => {
			try {
				return await abortable(this.client.get().chat.completions.create({ ...this.params(request), stream: false }, options), signal);
			} catch (error) {
				throw toProviderError(error, this.context(signal));
			}
		});
		const choice = response.choices[0];
		if (!choice) {
			throw new ProviderError(`${this.provider} model "${this.modelId}" returned no choices.`, { provider: this.provider, retryable: false, code: 'PROVIDER_BAD_RESPONSE' });
		}
		const content = choice.message.content ?? '';
		return {
			content,
			finishReason: choice.finish_reason ?? 'stop',
			usage: {
				inputTokens: response.usage?.prompt_tokens ?? promptTokens(request.messages),
				outputTokens: response.usage?.completion_tokens ?? estimateTokens(content),
				latencyMs: performance.now() - started,
			},
		};
	}

	/**
	 * Streams deltas, then one `done` event with usage (from the server's usage chunk, estimated
	 * when it sends none). Breaking out of the loop or aborting `request.signal` closes the HTTP
	 * request; an abort rejects with the signal's reason. A stream that goes silent for longer
	 * than the timeout, breaks off, or ends without a finish reason fails with a retryable
	 * `ProviderError` (deltas already yielded stay yielded).
	 */
	async *stream(request: ChatRequest): AsyncGenerator<ChatStreamEvent, void, undefined> {
		const options = this.client.requestOptions(request.signal);
		const { signal } = options;
		const started = performance.now();
		const timeoutMs = this.client.timeoutMs;
		const idle = new AbortController();
		const combined = signal ? AbortSignal.any([signal, idle.signal]) : idle.signal;
		let timer: ReturnType<typeof setTimeout> | undefined;
		const arm = (): void => {
			clearTimeout(timer);
			timer = setTimeout(() => idle.abort(), timeoutMs);
		};

		let text = '';
		let finishReason: string | null = null;
		let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
		try {
			const stream = await this.client.guard(async () => {
				try {
					return await abortable(
						this.client.get().chat.completions.create(
							{ ...this.params(request), stream: true, stream_options: { include_usage: true } },
							{ ...options, signal: combined },
						),
						signal,
					);
				} catch (error) {
					throw toProviderError(error, this.context(signal));
				}
			});
			arm();
			try {
				for await (const chunk of stream) {
					arm();
					if (chunk.usage) usage = chunk.usage;
					const choice = chunk.choices[0];
					if (!choice) continue;
					if (choice.finish_reason) finishReason = choice.finish_reason;
					const delta = choice.delta?.content;
					if (delta) {
						text += delta;
						yield { type: 'delta', text: delta };
					}
				}
			} catch (error) {
				if (!idle.signal.aborted) throw toProviderError(error, this.context(signal));
			}
		} finally {
			clearTimeout(timer);
		}
		// The SDK ends an aborted stream quietly; make cancellation and stalls visible.
		if (signal?.aborted) throw abortReason(signal);
		if (idle.signal.aborted) {
			throw new ProviderError(`${this.provider} model "${this.modelId}" stream was silent for ${timeoutMs} ms.`, {
				provider: this.provider,
				retryable: true,
				code: 'PROVIDER_TIMEOUT',
			});
		}
		if (finishReason === null) {
			throw new ProviderError(`${this.provider} model "${this.modelId}" stream ended before the answer was finished.`, {
				provider: this.provider,
				retryable: true,
				code: 'PROVIDER_STREAM_INCOMPLETE',
			});
		}
		const callUsage: ProviderCallUsage = {
			inputTokens: usage?.prompt_tokens ?? promptTokens(request.messages),
			outputTokens: usage?.completion_tokens ?? estimateTokens(text),
			latencyMs: performance.now() - started,
		};
		yield { type: 'done', finishReason, usage: callUsage };
	}

	private params(request: ChatRequest): {
		model: string;
		messages: ChatMessage[];
		temperature?: number;
		max_tokens?: number;
		max_completion_tokens?: number;
	} {
		const maxTokens = Math.min(request.maxTokens ?? this.maxOutputTokens, this.maxOutputTokens);
		return {
			model: this.modelId,
			messages: request.messages.map((m) => ({ role: m.role, content: m.content })),
			...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
			// OpenAI deprecated max_tokens (reasoning models reject it); compatible servers mostly only know max_tokens.
			...(this.provider === 'openai' ? { max_completion_tokens: maxTokens } : { max_tokens: maxTokens }),
		};
	}

	private context(signal: AbortSignal | undefined): Parameters<typeof toProviderError>[1] {
		return { provider: this.provider, modelId: this.modelId, timeoutMs: this.client.timeoutMs, signal };
	}
}

function promptTokens(messages: readonly ChatMessage[]): number {
	// Each message costs a few tokens of framing on top of its content.
	return messages.reduce((sum, m) => sum + estimateTokens(m.content) + 4, 3);
}
