import type { Accountability, SchemaOverview } from '@directus/types';
import type { Router } from 'express';
import { z } from 'zod';
import { isMlError, PayloadTooLargeError } from '../../core/errors.js';
import type { ChatMessage, ChatModel, ChatRequest, ChatResult, ModelDefinition, ProviderCallUsage } from '../../core/providers/types.js';
import { assertPromptWithinCaps, capCompletionTokens } from '../../core/providers/model-caps.js';
import { estimateTokens } from '../../core/text/estimate-tokens.js';
import { computeCost } from '../../core/usage/compute-cost.js';
import type { CallOrigin, UsageEvent } from '../../core/usage/types.js';
import type { Container } from '../container.js';
import { route } from '../http.js';
import { openSse } from '../sse.js';

export const GenerationTextRequest = z.object({
	prompt: z.string().min(1),
	system_prompt: z.string().optional(),
	max_tokens: z.number().int().min(1).max(200_000).optional(),
	temperature: z.number().min(0).max(2).optional(),
	model: z.string().min(1).optional(),
});
export type GenerationTextRequest = z.infer<typeof GenerationTextRequest>;

export const ChatCompletionRequest = z.object({
	messages: z
		.array(z.object({ role: z.enum(['system', 'user', 'assistant']), content: z.string() }))
		.min(1)
		.max(500),
	model: z.string().min(1).optional(),
	max_tokens: z.number().int().min(1).max(200_000).optional(),
	temperature: z.number().min(0).max(2).optional(),
	stream: z.boolean().optional(),
});
export type ChatCompletionRequest = z.infer<typeof ChatCompletionRequest>;

/**
 * The chat model to use (the default one when `modelId` is omitted). The registry throws
 * `NotConfiguredError` (503, naming ML_CHAT_PROVIDER, ML_CHAT_MODEL and the key variable) when
 * there is none, and `NotFoundError` for an unknown id: generation never falls back to made-up text.
 */
export async function requireChatModel(
	container: Pick<Container, 'models' | 'modelAccess'>,
	modelId: string | undefined,
	accountability: Accountability,
	schema?: SchemaOverview,
): Promise<{ model: ChatModel; definition: ModelDefinition }> {
	const chat = await container.models.chatModel(modelId);
	await container.modelAccess.assert(accountability, chat.definition, schema);
	return chat;
}

/**
 * Records a chat call, priced from the model's registry row. Never throws and never delays the
 * response: pricing failures record the call at cost 0.
 */
export function recordChatCall(
	container: Pick<Container, 'models' | 'recordUsage'>,
	origin: ChatCallOrigin,
	call: ChatCall,
	definition?: Pick<ModelDefinition, 'inputPricePerMillion' | 'outputPricePerMillion'>,
): void {
	const priced = async (): Promise<number> => {
		const def = definition ?? (await container.models.get(call.model));
		return computeCost(def, call.usage.inputTokens, call.usage.outputTokens);
	};
	void priced()
		.catch(() => 0)
		.then((cost) => container.recordUsage(chatUsageEvent(origin, call, cost)));
}

/** Who/where a chat call is made for (the same origin embeddings carry). */
export type ChatCallOrigin = CallOrigin;

export interface ChatCall {
	provider: string;
	model: string;
	usage: ProviderCallUsage;
	/** Set when the call failed. */
	error?: unknown;
	/** The caller cancelled it: recorded as `cancelled`, not as an error. */
	cancelled?: boolean;
}

/** A chat call as a usage event. */
export function chatUsageEvent(origin: ChatCallOrigin, call: ChatCall, cost: number): UsageEvent {
	return {
		timestamp: new Date(),
		user: origin.user,
		sourceType: origin.sourceType,
		source: origin.source,
		capability: 'chat',
		provider: call.provider,
		model: call.model,
		collection: origin.collection ?? null,
		item: origin.item ?? null,
		inputTokens: call.usage.inputTokens,
		outputTokens: call.usage.outputTokens,
		cost,
		latencyMs: call.usage.latencyMs,
		status: call.error === undefined ? 'success' : call.cancelled ? 'cancelled' : 'error',
		errorCode: call.error === undefined || call.cancelled ? null : isMlError(call.error) ? call.error.code : 'INTERNAL_SERVER_ERROR',
		cacheHit: false,
	};
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

export function registerGenerationRoutes(router: Router, getContainer: () => Promise<Container>): void {
	route(
		router,
		'post',
		'/generation/text',
		{ access: 'user', body: GenerationTextRequest },
		async (req, container) => {
			const started = Date.now();
			const chat = await requireChatModel(container, req.body.model, req.accountability, req.schema);
			const messages: ChatMessage[] = [
				...(req.body.system_prompt ? [{ role: 'system' as const, content: req.body.system_prompt }] : []),
				{ role: 'user', content: req.body.prompt },
			];
			const maxTokens = fitCompletion(chat.model, messages, req.body.max_tokens, estimateTokens, chat.definition);
			const result = await complete(container, req.origin, chat, { messages, maxTokens, temperature: req.body.temperature, signal: req.signal });
			return {
				id: `gen-${globalThis.crypto.randomUUID()}`,
				content: result.content,
				model: chat.model.modelId,
				finish_reason: result.finishReason,
				tokens_used: result.usage.inputTokens + result.usage.outputTokens,
				processing_time_ms: Date.now() - started,
			};
		},
		getContainer,
	);

	route(
		router,
		'get',
		'/generation/models',
		{ access: 'user' },
		async (_req, container) => {
			const models = (await container.models.list('chat')).filter((m) => m.status === 'active');
			return {
				text: models.map((m) => m.modelId),
				models: models.map((m) => ({ id: m.id, modelId: m.modelId, name: m.name, provider: m.provider, isDefault: m.isDefault, contextWindow: m.contextWindow })),
			};
		},
		getContainer,
	);

	route(
		router,
		'post',
		'/chat/completions',
		{ access: 'user', body: ChatCompletionRequest },
		async (req, container, res) => {
			const chat = await requireChatModel(container, req.body.model, req.accountability, req.schema);
			const { model } = chat;
			const messages: ChatMessage[] = req.body.messages;
			const maxTokens = fitCompletion(model, messages, req.body.max_tokens, estimateTokens, chat.definition);
			const id = `chatcmpl-${globalThis.crypto.randomUUID()}`;
			const created = Math.floor(Date.now() / 1000);
			const request = { messages, maxTokens, temperature: req.body.temperature, signal: req.signal };
			const from = req.origin;

			if (!req.body.stream) {
				const result = await complete(container, from, chat, request);
				return {
					id,
					object: 'chat.completion',
					created,
					model: model.modelId,
					content: result.content,
					choices: [{ index: 0, message: { role: 'assistant', content: result.content }, finish_reason: result.finishReason }],
					usage: openAiUsage(result.usage),
				};
			}

			// OpenAI's chunk format, so OpenAI SDK clients can stream from this route unchanged.
			const sse = openSse(res);
			const chunk = (delta: Record<string, string>, finishReason: string | null, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
				id,
				object: 'chat.completion.chunk',
				created,
				model: model.modelId,
				choices: [{ index: 0, delta, finish_reason: finishReason }],
				...extra,
			});
			const started = Date.now();
			let output = '';
			try {
				sse.send(chunk({ role: 'assistant', content: '' }, null));
				for await (const event of model.stream(request)) {
					if (event.type === 'delta') {
						output += event.text;
						if (event.text !== '') sse.send(chunk({ content: event.text }, null));
					} else {
						recordChatCall(container, from, { provider: model.provider, model: model.modelId, usage: event.usage }, chat.definition);
						sse.send(chunk({}, event.finishReason, { usage: openAiUsage(event.usage) }));
					}
				}
				sse.send('[DONE]');
			} catch (error) {
				const usage = { inputTokens: 0, outputTokens: estimateTokens(output), latencyMs: Date.now() - started };
				recordChatCall(container, from, { provider: model.provider, model: model.modelId, usage, error }, chat.definition);
				const known = isMlError(error);
				if (!req.signal.aborted && (!known || error.status >= 500)) container.host.logger.error(error, 'ML chat completion stream failed');
				// OpenAI streams report failures as a data chunk with an `error` object.
				sse.send({ error: { message: known ? error.message : 'The completion failed.', code: known ? error.code : 'INTERNAL_SERVER_ERROR' } });
			} finally {
				sse.end();
			}
			return undefined;
		},
		getContainer,
	);
}

/** One non-streamed completion, recorded as usage whether it succeeds or fails. */
export async function complete(
	container: Pick<Container, 'models' | 'recordUsage'>,
	from: ChatCallOrigin,
	chat: { model: ChatModel; definition: ModelDefinition },
	request: ChatRequest,
): Promise<ChatResult> {
	const { model, definition } = chat;
	const started = Date.now();
	try {
		const result = await model.complete(request);
		recordChatCall(container, from, { provider: model.provider, model: model.modelId, usage: result.usage }, definition);
		return result;
	} catch (error) {
		const usage = { inputTokens: 0, outputTokens: 0, latencyMs: Date.now() - started };
		recordChatCall(container, from, { provider: model.provider, model: model.modelId, usage, error }, definition);
		throw error;
	}
}

function openAiUsage(usage: ProviderCallUsage): { prompt_tokens: number; completion_tokens: number; total_tokens: number } {
	return { prompt_tokens: usage.inputTokens, completion_tokens: usage.outputTokens, total_tokens: usage.inputTokens + usage.outputTokens };
}
