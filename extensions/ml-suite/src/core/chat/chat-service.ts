import { PayloadTooLargeError } from '../errors.js';
import { assertPromptWithinCaps, capCompletionTokens } from '../providers/model-caps.js';
import type { ChatMessage, ChatModel, ChatRequest, ChatResult, ModelDefinition, ProviderCallUsage } from '../providers/types.js';
import { estimateTokens } from '../text/estimate-tokens.js';
import { computeCost } from '../usage/compute-cost.js';
import type { CallOrigin, UsageEvent } from '../usage/types.js';
import { callOutcome, callUsageEvent } from '../usage/usage-event.js';

/** A chat model with its registry row (prices, caps). */
export interface ResolvedChat {
	model: ChatModel;
	definition: ModelDefinition;
}

/** Who/where a chat call is made for (the same origin embeddings carry). */
export type ChatCallOrigin = CallOrigin;

/** One chat model call, successful or not, as reported for usage. */
export interface ChatCall {
	provider: string;
	model: string;
	usage: ProviderCallUsage;
	/** Set when the call failed. */
	error?: unknown;
	/** The caller cancelled it: recorded as `cancelled`, not as an error. */
	cancelled?: boolean;
}

export interface ChatServiceDeps<Caller> {
	/** The registry's chat model (the default one when `modelId` is omitted), and a model's row by id. */
	models: {
		chatModel(modelId?: string): Promise<ResolvedChat>;
		get(modelId: string): Promise<Pick<ModelDefinition, 'inputPricePerMillion' | 'outputPricePerMillion'>>;
	};
	/** Throws when the caller may not use the model (in Directus: read access to its `ml_models` row). */
	assertAccess(caller: Caller, definition: ModelDefinition): Promise<void>;
	/** Records a usage event; must not throw. */
	record(event: UsageEvent): void;
	/** Token estimate for prompts. Default: `estimateTokens`. */
	estimate?: (text: string) => number;
}

/**
 * Chat calls for routes and flow operations alike: resolving a model the caller may use, fitting
 * the completion into its caps and context window, and recording every call as usage.
 */
export class ChatService<Caller> {
	private readonly estimate: (text: string) => number;

	constructor(private readonly deps: ChatServiceDeps<Caller>) {
		this.estimate = deps.estimate ?? estimateTokens;
	}

	/**
	 * The chat model to use (the default one when `modelId` is omitted). The registry throws
	 * `NotConfiguredError` (503, naming ML_CHAT_PROVIDER, ML_CHAT_MODEL and the key variable) when
	 * there is none, and `NotFoundError` for an unknown id: generation never falls back to made-up text.
	 */
	async requireModel(modelId: string | undefined, caller: Caller): Promise<ResolvedChat> {
		const chat = await this.deps.models.chatModel(modelId);
		await this.deps.assertAccess(caller, chat.definition);
		return chat;
	}

	/** The chat model without an access check (flows run with the flow's own rights). */
	model(modelId?: string): Promise<ResolvedChat> {
		return this.deps.models.chatModel(modelId);
	}

	/**
	 * Refuses prompts that cannot fit with the completion, and requests over the model's caps in
	 * `ml_models` (`max_output_tokens`, `max_input_chars`); returns the completion cap to ask for.
	 */
	fit(chat: { model: ChatModel; definition?: ModelDefinition }, messages: readonly ChatMessage[], requested: number | undefined): number {
		return fitCompletion(chat.model, messages, requested, this.estimate, chat.definition);
	}

	/** One non-streamed completion, recorded as usage whether it succeeds or fails. */
	async complete(from: ChatCallOrigin, chat: ResolvedChat, request: ChatRequest): Promise<ChatResult> {
		const { model, definition } = chat;
		const started = Date.now();
		try {
			const result = await model.complete(request);
			this.record(from, { provider: model.provider, model: model.modelId, usage: result.usage }, definition);
			return result;
		} catch (error) {
			const usage = { inputTokens: 0, outputTokens: 0, latencyMs: Date.now() - started };
			this.record(from, { provider: model.provider, model: model.modelId, usage, error }, definition);
			throw error;
		}
	}

	/**
	 * Records a chat call, priced from the model's registry row (looked up by id when not given).
	 * Never throws and never delays the response: pricing failures record the call at cost 0.
	 */
	record(origin: ChatCallOrigin, call: ChatCall, definition?: Pick<ModelDefinition, 'inputPricePerMillion' | 'outputPricePerMillion'>): void {
		const priced = async (): Promise<number> => {
			const def = definition ?? (await this.deps.models.get(call.model));
			return computeCost(def, call.usage.inputTokens, call.usage.outputTokens);
		};
		void priced()
			.catch(() => 0)
			.then((cost) => this.deps.record(chatUsageEvent(origin, call, cost)));
	}
}

/** A chat call as a usage event. */
export function chatUsageEvent(origin: ChatCallOrigin, call: ChatCall, cost: number): UsageEvent {
	return callUsageEvent(origin, {
		capability: 'chat',
		provider: call.provider,
		model: call.model,
		inputTokens: call.usage.inputTokens,
		outputTokens: call.usage.outputTokens,
		cost,
		latencyMs: call.usage.latencyMs,
		...callOutcome(call.error, call.cancelled),
	});
}

/**
 * Refuses prompts that cannot fit with the completion, and requests over the model's caps in
 * `ml_models` (`max_output_tokens`, `max_input_chars`); returns the completion cap to ask for.
 */
export function fitCompletion(
	model: ChatModel,
	messages: readonly ChatMessage[],
	requested: number | undefined,
	estimate: (text: string) => number,
	definition?: ModelDefinition,
): number {
	if (definition) {
		assertPromptWithinCaps(definition, messages);
		requested = capCompletionTokens(definition, requested);
	}
	const maxTokens = Math.min(requested ?? model.maxOutputTokens, model.maxOutputTokens);
	const promptTokens = messages.reduce((sum, m) => sum + estimate(m.content) + 4, 3);
	if (promptTokens + maxTokens > model.contextWindow) {
		throw new PayloadTooLargeError(
			`The prompt is about ${promptTokens} tokens; with ${maxTokens} tokens for the answer it exceeds the ${model.contextWindow}-token context window of "${model.modelId}".`,
			{ field: 'messages', promptTokens, contextWindow: model.contextWindow },
		);
	}
	return maxTokens;
}
