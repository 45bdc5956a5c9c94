import { z } from 'zod';
import { InvalidPayloadError } from '../../../core/errors.js';
import type { PromptRecord } from '../../../core/prompts/default-prompts.js';
import type { PromptSource } from '../../../core/prompts/prompt-store.js';
import { renderTemplate } from '../../../core/prompts/render-template.js';
import type { ChatModel, ChatRequest, ChatResult, ModelDefinition, ProviderCallUsage } from '../../../core/providers/types.js';
import { estimateTokens } from '../../../core/text/estimate-tokens.js';
import { fitCompletion } from '../../../core/chat/chat-service.js';
import { parseInput } from '../../http.js';
import { blank, jsonObject } from '../flow-options.js';

const number = (schema: z.ZodNumber) => z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : blank(v)), schema.optional());

export const GenerateTextOperationOptions = z
	.object({
		/** Name (or task) of a prompt in ml_prompts. */
		prompt: z.preprocess(blank, z.string().min(1).optional()),
		/** Inline template; wins over the stored prompt's template. */
		template: z.preprocess(blank, z.string().optional()),
		systemPrompt: z.preprocess(blank, z.string().optional()),
		/** Extra variables: an object or a JSON string. */
		variables: jsonObject,
		model: z.preprocess(blank, z.string().min(1).optional()),
		maxTokens: number(z.number().int().min(1).max(200_000)),
		temperature: number(z.number().min(0).max(2)),
	})
	.refine((o) => o.prompt !== undefined || (o.template !== undefined && o.template.trim() !== ''), {
		message: 'set a stored prompt name or an inline template',
		path: ['template'],
	});
export type GenerateTextOperationOptions = z.infer<typeof GenerateTextOperationOptions>;

export interface GenerateTextOperationDeps {
	prompts: PromptSource;
	/** The chat model (default when omitted); throws NotConfiguredError when there is none. */
	chatModel: (modelId?: string) => Promise<{ model: ChatModel; definition: ModelDefinition }>;
	/** Runs one completion and records its usage. */
	complete: (chat: { model: ChatModel; definition: ModelDefinition }, request: ChatRequest) => Promise<ChatResult>;
	/** The flow's data (`$trigger`, `$last`, earlier operations' results). */
	data: Record<string, unknown>;
	signal?: AbortSignal;
}

export interface GenerateTextOperationResult {
	content: string;
	model: string;
	finishReason: string;
	usage: ProviderCallUsage;
	prompt: { name: string; version: number } | null;
}

/**
 * The "Generate text" operation: render a stored or inline template with the triggering item's
 * data (the trigger payload's fields, `$trigger`, `$last`, then explicit variables, later wins)
 * and return the generated `content` for the next operation.
 */
export async function runGenerateTextOperation(rawOptions: unknown, deps: GenerateTextOperationDeps): Promise<GenerateTextOperationResult> {
	const options = parseInput(GenerateTextOperationOptions, rawOptions ?? {}, 'options');
	const stored: PromptRecord | null = options.prompt ? await deps.prompts.getActive(options.prompt) : null;
	const template = options.template ?? stored?.template ?? '';
	const variables = { ...objectOrEmpty(payloadOf(deps.data['$trigger'])), $trigger: deps.data['$trigger'], $last: deps.data['$last'], ...options.variables };

	const user = renderTemplate(template, variables);
	if (user.trim() === '') throw new InvalidPayloadError('The rendered prompt is empty.', { field: 'template' });
	const systemTemplate = options.systemPrompt ?? stored?.systemPrompt ?? null;
	const system = systemTemplate ? renderTemplate(systemTemplate, variables) : null;

	const chat = await deps.chatModel(options.model ?? stored?.model ?? undefined);
	const messages = [...(system ? [{ role: 'system' as const, content: system }] : []), { role: 'user' as const, content: user }];
	const maxTokens = fitCompletion(chat.model, messages, options.maxTokens, estimateTokens, chat.definition);
	const result = await deps.complete(chat, { messages, maxTokens, temperature: options.temperature, signal: deps.signal });
	return {
		content: result.content,
		model: chat.model.modelId,
		finishReason: result.finishReason,
		usage: result.usage,
		prompt: stored ? { name: stored.name, version: stored.version } : null,
	};
}

/** Event triggers carry the item under `payload`; manual and webhook triggers under `body`. */
function payloadOf(trigger: unknown): unknown {
	if (trigger === null || typeof trigger !== 'object') return undefined;
	const t = trigger as Record<string, unknown>;
	return t['payload'] ?? t['body'];
}

function objectOrEmpty(value: unknown): Record<string, unknown> {
	return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
