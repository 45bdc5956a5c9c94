import { z } from 'zod';
import type { EmbedResponse } from '../../../core/embeddings/embedding-service.js';
import { parseInput } from '../../http.js';
import { optionalString, requiredText } from '../flow-options.js';

export const EmbedTextOperationOptions = z.object({
	/** The text to embed; `{{$trigger.payload.body}}` and the like are rendered by Directus first. */
	text: requiredText,
	/** Embedding model id from the registry. Empty = the default embedding model. */
	model: optionalString,
});
export type EmbedTextOperationOptions = z.infer<typeof EmbedTextOperationOptions>;

export interface EmbedTextOperationDeps {
	/** Embeds texts with a registry model (the default when `modelId` is undefined), cached and usage-recorded. */
	embed(texts: string[], modelId: string | undefined): Promise<EmbedResponse>;
}

/** What the next operation sees as `$last`: the same fields as `POST /ml/embeddings/generate`. */
export interface EmbedTextOperationResult {
	embedding: number[];
	model: string;
	dimensions: number;
	tokensUsed: number;
}

/** The "Embed text" operation: one text in, one vector out. */
export async function runEmbedTextOperation(rawOptions: unknown, deps: EmbedTextOperationDeps): Promise<EmbedTextOperationResult> {
	const options = parseInput(EmbedTextOperationOptions, rawOptions ?? {}, 'options');
	const result = await deps.embed([options.text], options.model);
	const embedding = result.embeddings[0];
	// The embedding layer promises one vector per input; a missing one is a bug, not bad input.
	if (!embedding) throw new Error('The embedding layer returned no vector for the text.');
	return { embedding, model: result.model, dimensions: result.dimensions, tokensUsed: result.usage.inputTokens };
}
