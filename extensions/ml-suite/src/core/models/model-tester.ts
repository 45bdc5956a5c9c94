import { InvalidPayloadError, isMlError } from '../errors.js';
import type { ChatModel, EmbeddingModel, ModelDefinition } from '../providers/types.js';

/** What a test call found out. */
export interface ModelTestResult {
	ok: boolean;
	latencyMs: number;
	/** Embedding: vector size. */
	dimensions?: number;
	/** Chat: the answer; classifier: the labels of a sample text. */
	sample?: string;
	/** The provider's error (message and code) when the call failed. */
	error?: { message: string; code: string };
}

export interface ModelTesterDeps {
	embeddingModel(id: string): Promise<EmbeddingModel>;
	chatModel(id: string): Promise<ChatModel>;
	classify(id: string, text: string, signal?: AbortSignal): Promise<{ labels: string[]; classifications: { category: string; confidence: number }[] }>;
}

const EMBED_TEXT = 'A short sentence to check that the embedding model answers.';
const CLASSIFY_TEXT = 'A short text to check that the classifier answers.';

/**
 * One real call to a model, uncached: an embedding of a sentence, a one-word chat answer, or a
 * classification with the active version. Failures are results (with the provider's message),
 * not errors: the admin asked whether the model works.
 */
export async function testModel(definition: ModelDefinition, deps: ModelTesterDeps, signal?: AbortSignal): Promise<ModelTestResult> {
	const started = performance.now();
	const elapsed = (): number => Math.round(performance.now() - started);
	try {
		switch (definition.task) {
			case 'embedding': {
				const model = await deps.embeddingModel(definition.id);
				const out = await model.embed([EMBED_TEXT], { signal });
				const vector = out.embeddings[0];
				if (!vector || vector.length === 0) return { ok: false, latencyMs: elapsed(), error: { message: 'The model returned no vector.', code: 'EMPTY_RESPONSE' } };
				const mismatch = definition.dimensions !== null && definition.dimensions !== undefined && vector.length !== definition.dimensions;
				return {
					ok: !mismatch,
					latencyMs: elapsed(),
					dimensions: vector.length,
					...(mismatch ? { error: { message: `The model returned ${vector.length} dimensions; the registry row says ${definition.dimensions}.`, code: 'DIMENSIONS_MISMATCH' } } : {}),
				};
			}
			case 'chat': {
				const model = await deps.chatModel(definition.id);
				const out = await model.complete({ messages: [{ role: 'user', content: 'Reply with the single word: ok' }], maxTokens: 8, temperature: 0, signal });
				return { ok: true, latencyMs: elapsed(), sample: out.content.slice(0, 200) };
			}
			case 'classification': {
				const out = await deps.classify(definition.id, CLASSIFY_TEXT, signal);
				return { ok: true, latencyMs: elapsed(), sample: `${out.labels.join(', ')} (${Math.round((out.classifications[0]?.confidence ?? 0) * 100)}%)` };
			}
			case 'transcription':
				throw new InvalidPayloadError('Test calls are available for embedding, chat and classification models; the suite does not call transcription models from the registry.', { task: definition.task });
		}
	} catch (error) {
		if (error instanceof InvalidPayloadError && definition.task === 'transcription') throw error;
		return { ok: false, latencyMs: elapsed(), error: { message: (error as Error).message, code: isMlError(error) ? error.code : 'INTERNAL_SERVER_ERROR' } };
	}
}
