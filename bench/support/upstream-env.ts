/**
 * Directus settings shared by the request benches: quiet logs, no event-loop pressure limiter (a
 * loaded 2-core benchmark machine trips it, answering 503), and the embedding provider pointed at
 * the fake OpenAI-format upstream with 1,536-dimension vectors.
 */
export function embeddingUpstreamEnv(baseUrl: string): Record<string, string> {
	return {
		LOG_LEVEL: 'error',
		PRESSURE_LIMITER_ENABLED: 'false',
		ML_EMBEDDING_PROVIDER: 'openai-compatible',
		ML_EMBEDDING_MODEL: 'bench-embed',
		ML_EMBEDDING_DIMENSIONS: '1536',
		ML_EMBEDDING_BASE_URL: baseUrl,
		OPENAI_API_KEY: 'sk-bench',
	};
}
