import type { UsageEvent } from './types.js';

/** A usage event with overridable fields, for tests. */
export function usageEvent(overrides: Partial<UsageEvent> = {}): UsageEvent {
	return {
		timestamp: new Date('2025-01-02T03:04:05.000Z'),
		user: '3f2a9c1e-0000-4000-8000-000000000001',
		sourceType: 'route',
		source: 'route:POST /ml/embeddings/batch',
		capability: 'embedding',
		provider: 'local',
		model: 'local-hash-384',
		collection: 'articles',
		item: '12',
		inputTokens: 42,
		outputTokens: 0,
		cost: 0.0000042,
		latencyMs: 12.6,
		status: 'success',
		errorCode: null,
		cacheHit: false,
		...overrides,
	};
}
