import { z } from 'zod';
import { ProviderError } from '../errors.js';
import type { ChatMessage, ChatModel, ProviderCallUsage } from '../providers/types.js';

export interface StructuredRequest<T extends z.ZodType> {
	/** Names the schema for the server (letters, digits, _ and -). */
	name: string;
	schema: T;
	messages: ChatMessage[];
	maxTokens?: number;
	temperature?: number;
	signal?: AbortSignal;
}

export interface StructuredResult<T> {
	value: T;
	usage: ProviderCallUsage;
	/** How the output was constrained: server-side schema, or JSON mode plus validation. */
	mode: 'json_schema' | 'json_object';
	/** True when the first answer was invalid and a repair round was needed. */
	repaired: boolean;
}

/**
 * A chat completion whose answer is parsed and validated with zod. Models that enforce JSON
 * schemas (OpenAI) get `response_format: json_schema` with the zod schema converted to JSON
 * Schema; others (Ollama, vLLM, LM Studio …) get JSON mode plus the schema in the prompt. Either
 * way the answer is validated; an invalid answer gets one repair round that shows the model its
 * output and the validation errors, and a second failure is a non-retryable provider error.
 */
export async function completeStructured<T extends z.ZodType>(model: ChatModel, request: StructuredRequest<T>): Promise<StructuredResult<z.infer<T>>> {
	const jsonSchema = z.toJSONSchema(request.schema, { target: 'draft-7' }) as Record<string, unknown>;
	delete jsonSchema.$schema;
	const mode = model.supportsJsonSchema ? 'json_schema' : 'json_object';
	const responseFormat = mode === 'json_schema' ? { type: 'json_schema' as const, name: request.name, schema: jsonSchema } : { type: 'json_object' as const };
	const schemaNote: ChatMessage = {
		role: 'system',
		content: `Answer with one JSON object only, no prose and no code fences, matching this JSON Schema:\n${JSON.stringify(jsonSchema)}`,
	};
	const messages: ChatMessage[] = [...request.messages, schemaNote];
	const usage: ProviderCallUsage = { inputTokens: 0, outputTokens: 0, latencyMs: 0 };
	const call = async (msgs: ChatMessage[]): Promise<string> => {
		const result = await model.complete({ messages: msgs, maxTokens: request.maxTokens, temperature: request.temperature ?? 0, responseFormat, signal: request.signal });
		usage.inputTokens += result.usage.inputTokens;
		usage.outputTokens += result.usage.outputTokens;
		usage.latencyMs += result.usage.latencyMs;
		return result.content;
	};

	const first = await call(messages);
	const parsed = parseAnswer(first, request.schema);
	if (parsed.ok) return { value: parsed.value, usage, mode, repaired: false };

	const repair: ChatMessage[] = [
		...messages,
		{ role: 'assistant', content: first },
		{ role: 'user', content: `That answer is not valid: ${parsed.error}. Reply again with only the corrected JSON object.` },
	];
	const second = await call(repair);
	const reparsed = parseAnswer(second, request.schema);
	if (reparsed.ok) return { value: reparsed.value, usage, mode, repaired: true };
	throw new ProviderError(`${model.provider} model "${model.modelId}" did not return valid ${request.name} JSON after one repair attempt: ${reparsed.error}`, {
		provider: model.provider,
		retryable: false,
		code: 'PROVIDER_BAD_RESPONSE',
	});
}

function parseAnswer<T extends z.ZodType>(content: string, schema: T): { ok: true; value: z.infer<T> } | { ok: false; error: string } {
	let data: unknown;
	try {
		data = JSON.parse(stripFences(content));
	} catch (error) {
		return { ok: false, error: `not JSON (${(error as Error).message})` };
	}
	const result = schema.safeParse(data);
	if (result.success) return { ok: true, value: result.data };
	return { ok: false, error: result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') };
}

/** Some compatible servers wrap JSON in ``` fences even in JSON mode. */
function stripFences(content: string): string {
	const trimmed = content.trim();
	const fenced = /^```(?:json)?\s*([\s\S]*?)\s*```$/i.exec(trimmed);
	return fenced?.[1] ?? trimmed;
}
