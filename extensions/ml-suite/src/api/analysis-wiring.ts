import { AnalysisService, type TrainedClassifiers } from '../core/analysis/analysis-service.js';
import { LlmAnalysisEngine } from '../core/analysis/llm-analysis-engine.js';
import { LocalAnalysisEngine } from '../core/analysis/local-analysis-engine.js';
import type { MlConfig } from '../core/config.js';
import { ComplexityService } from '../core/complexity/complexity-service.js';
import type { EmbedResponse } from '../core/embeddings/embedding-service.js';
import type { ModelRegistry } from '../core/providers/model-registry.js';
import type { CallOrigin, UsageEvent } from '../core/usage/types.js';

export interface AnalysisWiring {
	analysis: AnalysisService;
	complexity: ComplexityService;
}

/**
 * Builds the analysis and complexity services. Zero-shot classification embeds with the
 * default embedding model through the shared embedding service (cached, usage-recorded); the
 * LLM engine wraps the registry's chat models.
 */
export function buildAnalysis(
	config: MlConfig,
	deps: {
		models: ModelRegistry;
		embedTexts(texts: string[], options: { origin: CallOrigin; signal?: AbortSignal }): Promise<EmbedResponse>;
		record(event: UsageEvent): void;
		trained?: TrainedClassifiers;
	},
): AnalysisWiring {
	const local = new LocalAnalysisEngine({
		async embed(texts, signal) {
			const out = await deps.embedTexts(texts, { origin: { user: null, sourceType: 'job', source: 'zero-shot classification' }, signal });
			return { embeddings: out.embeddings, usage: { inputTokens: out.usage.inputTokens, outputTokens: 0, latencyMs: out.usage.latencyMs }, provider: 'embedding', model: out.model };
		},
	});
	const analysis = new AnalysisService({
		local,
		async llm(modelId) {
			const chat = await deps.models.chatModel(modelId);
			return { engine: new LlmAnalysisEngine(chat.model), definition: chat.definition };
		},
		hasChatModel: async () => (await deps.models.getChatModel()) !== null,
		defaultEngine: config.ML_ANALYSIS_ENGINE,
		maxChars: config.ML_ANALYSIS_MAX_CHARS,
		maxCategories: config.ML_ANALYSIS_MAX_CATEGORIES,
		record: deps.record,
		trained: deps.trained,
	});
	const complexity = new ComplexityService({ analysis, chatModel: (modelId) => deps.models.chatModel(modelId), record: deps.record });
	return { analysis, complexity };
}
