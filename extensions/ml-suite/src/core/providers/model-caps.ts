import { MlError } from '../errors.js';
import type { ChatMessage, ModelDefinition } from './types.js';

export type Caps = Pick<ModelDefinition, 'name' | 'modelId' | 'maxOutputTokens' | 'maxRequestInputs' | 'maxInputChars'>;

/**
 * A request over one of a model's caps (the `ml_models` columns `max_output_tokens`,
 * `max_request_inputs`, `max_input_chars`): 400 `MODEL_LIMIT_EXCEEDED` naming the cap, its value
 * and the model, so the caller knows what to change and an administrator where it is set.
 */
export class ModelLimitExceededError extends MlError {
	constructor(message: string, details: { field: string; limit: keyof typeof CAP_COLUMNS; max: number; model: string }) {
		super(message, { code: 'MODEL_LIMIT_EXCEEDED', status: 400, details: { ...details, limit: CAP_COLUMNS[details.limit] } });
		this.name = 'ModelLimitExceededError';
	}
}

const CAP_COLUMNS = { maxOutputTokens: 'max_output_tokens', maxRequestInputs: 'max_request_inputs', maxInputChars: 'max_input_chars' } as const;

const positive = (value: number | null | undefined): number | null => (typeof value === 'number' && value > 0 ? value : null);

/**
 * The completion budget a chat request may use under the model's `max_output_tokens`: the
 * requested `max_tokens` when within the cap (refused above it), the cap when none was asked.
 */
export function capCompletionTokens(model: Caps, requested: number | undefined, field = 'max_tokens'): number | undefined {
	const cap = positive(model.maxOutputTokens);
	if (cap === null) return requested;
	if (requested !== undefined && requested > cap) {
		throw new ModelLimitExceededError(`"${field}" is ${requested}, but the model "${model.name}" allows at most ${cap} (max_output_tokens in ml_models).`, {
			field,
			limit: 'maxOutputTokens',
			max: cap,
			model: model.modelId,
		});
	}
	return requested ?? cap;
}

/** Refuses a chat prompt longer than the model's `max_input_chars` (all messages together). */
export function assertPromptWithinCaps(model: Caps, messages: readonly ChatMessage[], field = 'messages'): void {
	const cap = positive(model.maxInputChars);
	if (cap === null) return;
	const chars = messages.reduce((sum, m) => sum + m.content.length, 0);
	if (chars > cap) {
		throw new ModelLimitExceededError(`The prompt is ${chars} characters, but the model "${model.name}" accepts at most ${cap} (max_input_chars in ml_models).`, {
			field,
			limit: 'maxInputChars',
			max: cap,
			model: model.modelId,
		});
	}
}

/** Refuses an embedding request with more texts than `max_request_inputs` or a text longer than `max_input_chars`. */
export function assertInputsWithinCaps(model: Caps, texts: readonly string[], field = 'texts'): void {
	const most = positive(model.maxRequestInputs);
	if (most !== null && texts.length > most) {
		throw new ModelLimitExceededError(`The request has ${texts.length} texts, but the model "${model.name}" accepts at most ${most} per request (max_request_inputs in ml_models).`, {
			field,
			limit: 'maxRequestInputs',
			max: most,
			model: model.modelId,
		});
	}
	const longest = positive(model.maxInputChars);
	if (longest === null) return;
	const at = texts.findIndex((t) => t.length > longest);
	if (at >= 0) {
		throw new ModelLimitExceededError(
			`Text ${at} is ${texts[at]!.length} characters, but the model "${model.name}" accepts at most ${longest} per text (max_input_chars in ml_models).`,
			{ field: texts.length === 1 ? field : `${field}.${at}`, limit: 'maxInputChars', max: longest, model: model.modelId },
		);
	}
}
