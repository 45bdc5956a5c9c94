import type { Router } from 'express';
import { z } from 'zod';
import { isMlError } from '../../core/errors.js';
import type { ChatMessage, ProviderCallUsage } from '../../core/providers/types.js';
import { estimateTokens } from '../../core/text/estimate-tokens.js';
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

export function registerGenerationRoutes(router: Router, getContainer: () => Promise<Container>): void {
	route(router, 'post', '/generation/text', { access: 'user', body: GenerationTextRequest }, async (req, container) => {
		const started = Date.now();
		const chat = await container.chat.requireModel(req.body.model, req);
		const messages: ChatMessage[] = [
			...(req.body.system_prompt ? [{ role: 'system' as const, content: req.body.system_prompt }] : []),
			{ role: 'user', content: req.body.prompt },
		];
		const maxTokens = container.chat.fit(chat, messages, req.body.max_tokens);
		const result = await container.chat.complete(req.origin, chat, { messages, maxTokens, temperature: req.body.temperature, signal: req.signal });
		return {
			id: `gen-${globalThis.crypto.randomUUID()}`,
			content: result.content,
			model: chat.model.modelId,
			finish_reason: result.finishReason,
			tokens_used: result.usage.inputTokens + result.usage.outputTokens,
			processing_time_ms: Date.now() - started,
		};
	}, getContainer);

	route(router, 'get', '/generation/models', { access: 'user' }, async (_req, container) => {
		const models = (await container.models.list('chat')).filter((m) => m.status === 'active');
		return {
			text: models.map((m) => m.modelId),
			models: models.map((m) => ({ id: m.id, modelId: m.modelId, name: m.name, provider: m.provider, isDefault: m.isDefault, contextWindow: m.contextWindow })),
		};
	}, getContainer);

	route(router, 'post', '/chat/completions', { access: 'user', body: ChatCompletionRequest }, async (req, container, res) => {
		const chat = await container.chat.requireModel(req.body.model, req);
		const { model } = chat;
		const messages: ChatMessage[] = req.body.messages;
		const maxTokens = container.chat.fit(chat, messages, req.body.max_tokens);
		const id = `chatcmpl-${globalThis.crypto.randomUUID()}`;
		const created = Math.floor(Date.now() / 1000);
		const request = { messages, maxTokens, temperature: req.body.temperature, signal: req.signal };
		const from = req.origin;

		if (!req.body.stream) {
			const result = await container.chat.complete(from, chat, request);
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
					container.chat.record(from, { provider: model.provider, model: model.modelId, usage: event.usage }, chat.definition);
					sse.send(chunk({}, event.finishReason, { usage: openAiUsage(event.usage) }));
				}
			}
			sse.send('[DONE]');
		} catch (error) {
			const usage = { inputTokens: 0, outputTokens: estimateTokens(output), latencyMs: Date.now() - started };
			container.chat.record(from, { provider: model.provider, model: model.modelId, usage, error }, chat.definition);
			const known = isMlError(error);
			if (!req.signal.aborted && (!known || error.status >= 500)) container.host.logger.error(error, 'ML chat completion stream failed');
			// OpenAI streams report failures as a data chunk with an `error` object.
			sse.send({ error: { message: known ? error.message : 'The completion failed.', code: known ? error.code : 'INTERNAL_SERVER_ERROR' } });
		} finally {
			sse.end();
		}
		return undefined;
	}, getContainer);
}

function openAiUsage(usage: ProviderCallUsage): { prompt_tokens: number; completion_tokens: number; total_tokens: number } {
	return { prompt_tokens: usage.inputTokens, completion_tokens: usage.outputTokens, total_tokens: usage.inputTokens + usage.outputTokens };
}
