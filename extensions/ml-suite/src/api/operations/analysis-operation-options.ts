import { z } from 'zod';
import type { AnalysisCall } from '../../core/analysis/analysis-service.js';
import { blank, optionalString, requiredText } from './flow-options.js';

/** Options every analysis operation shares: the text, the engine and the chat model. */
export const analysisOperationBase = {
	/** The text to analyse; usually a mustache path such as `{{$trigger.payload.body}}`. */
	text: requiredText,
	engine: z.preprocess(blank, z.enum(['local', 'llm']).optional()),
	model: optionalString,
};

/** Who runs an operation, for usage records. */
export function operationCall(id: string, options: { engine?: 'local' | 'llm'; model?: string }, context: { accountability?: { user?: string | null } | null }): AnalysisCall {
	return { origin: { user: context.accountability?.user ?? null, sourceType: 'flow', source: id }, engine: options.engine, model: options.model };
}
