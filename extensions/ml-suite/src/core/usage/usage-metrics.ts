import { Histogram, Registry } from 'prom-client';
import type { UsageEvent } from './types.js';

/** Upper bounds (seconds) of the latency histogram: local calls take milliseconds, remote LLM calls tens of seconds. */
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * In-process Prometheus histograms of provider calls, fed by the usage recorder as calls are
 * recorded. A registry of its own, so the suite's metrics never collide with Directus's.
 * Cache hits make no provider call and are not observed.
 */
export class UsageMetrics {
	readonly registry = new Registry();
	private readonly latency = new Histogram({
		name: 'ml_provider_latency_seconds',
		help: 'Provider call latency (cache hits excluded), observed by this process.',
		labelNames: ['capability', 'provider', 'model', 'status'] as const,
		buckets: LATENCY_BUCKETS,
		registers: [this.registry],
	});

	observe(event: UsageEvent): void {
		if (event.cacheHit) return;
		this.latency.observe({ capability: event.capability, provider: event.provider, model: event.model, status: event.status }, Math.max(0, event.latencyMs) / 1000);
	}

	/** Prometheus text exposition of these metrics. */
	text(): Promise<string> {
		return this.registry.metrics();
	}
}
