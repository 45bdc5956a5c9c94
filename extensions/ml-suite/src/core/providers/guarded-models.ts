import { estimateTokens } from '../text/estimate-tokens.js';
import type { TranscriptionModel } from '../transcription/types.js';
import type { GuardedCall, ProviderCallGuard } from './provider-call-guard.js';
import type { ChatModel, ChatRequest, ChatStreamEvent, EmbeddingModel, ModelDefinition } from './types.js';

const promptTokens = (request: ChatRequest): number => request.messages.reduce((sum, m) => sum + estimateTokens(m.content), 0);

/** `model`, asking `guard` before each call and reporting what the call used after it. */
export function guardEmbeddingModel(model: EmbeddingModel, definition: ModelDefinition, guard: ProviderCallGuard): EmbeddingModel {
	return {
		provider: model.provider,
		modelId: model.modelId,
		dimensions: model.dimensions,
		maxBatchSize: model.maxBatchSize,
		maxInputTokens: model.maxInputTokens,
		async embed(texts, options) {
			const inputTokens = texts.reduce((sum, t) => sum + estimateTokens(t), 0);
			const call = await guard.begin({ definition, capability: 'embedding', estimate: { inputTokens, outputTokens: 0, audioSeconds: 0 } });
			return settle(call, model.embed(texts, options), (r) => ({ inputTokens: r.usage.inputTokens, outputTokens: r.usage.outputTokens, audioSeconds: 0 }));
		},
	};
}

/** `model`, asking `guard` before each completion or stream. */
export function guardChatModel(model: ChatModel, definition: ModelDefinition, guard: ProviderCallGuard): ChatModel {
	return {
		provider: model.provider,
		modelId: model.modelId,
		contextWindow: model.contextWindow,
		maxOutputTokens: model.maxOutputTokens,
		...(model.supportsJsonSchema !== undefined ? { supportsJsonSchema: model.supportsJsonSchema } : {}),
		async complete(request) {
			const call = await guard.begin({ definition, capability: 'chat', estimate: { inputTokens: promptTokens(request), outputTokens: 0, audioSeconds: 0 } });
			return settle(call, model.complete(request), (r) => ({ inputTokens: r.usage.inputTokens, outputTokens: r.usage.outputTokens, audioSeconds: 0 }));
		},
		stream(request) {
			return guardedStream(model, request, definition, guard);
		},
	};
}

async function* guardedStream(model: ChatModel, request: ChatRequest, definition: ModelDefinition, guard: ProviderCallGuard): AsyncGenerator<ChatStreamEvent> {
	const estimate = { inputTokens: promptTokens(request), outputTokens: 0, audioSeconds: 0 };
	const call = await guard.begin({ definition, capability: 'chat', estimate });
	let ended = false;
	let streamed = 0;
	try {
		for await (const event of model.stream(request)) {
			if (event.type === 'done') {
				ended = true;
				call.end({ inputTokens: event.usage.inputTokens, outputTokens: event.usage.outputTokens, audioSeconds: 0 });
			} else streamed += estimateTokens(event.text);
			yield event;
		}
	} finally {
		// Stopped or failed mid-answer: what was streamed was still generated (and billed).
		if (!ended) call.end(streamed > 0 ? { ...estimate, outputTokens: streamed } : null);
	}
}

/** `model`, asking `guard` before each transcription request (audio is priced per minute, known after the call). */
export function guardTranscriptionModel(model: TranscriptionModel, definition: ModelDefinition, guard: ProviderCallGuard): TranscriptionModel {
	return {
		provider: model.provider,
		modelId: model.modelId,
		maxUploadBytes: model.maxUploadBytes,
		returnsSegments: model.returnsSegments,
		async transcribe(request) {
			const call = await guard.begin({ definition, capability: 'transcription', estimate: { inputTokens: 0, outputTokens: 0, audioSeconds: 0 } });
			return settle(call, model.transcribe(request), (r) => ({ inputTokens: 0, outputTokens: 0, audioSeconds: r.duration ?? 0 }));
		},
	};
}

async function settle<T>(call: GuardedCall, pending: Promise<T>, used: (result: T) => { inputTokens: number; outputTokens: number; audioSeconds: number }): Promise<T> {
	let result: T;
	try {
		result = await pending;
	} catch (error) {
		call.end(null);
		throw error;
	}
	call.end(used(result));
	return result;
}
