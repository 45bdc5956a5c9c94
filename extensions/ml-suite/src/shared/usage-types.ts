/** Wire types of the `/ml/usage/*` reports, shared by the API and the Usage module. */

/** What reports group and filter by. */
export type UsageDimension = 'user' | 'source_type' | 'source' | 'capability' | 'provider' | 'model' | 'collection' | 'status' | 'error_code' | 'role';

export type UsageMetric = 'calls' | 'cost' | 'tokens' | 'input_tokens' | 'output_tokens' | 'errors' | 'avg_latency';

export interface UsageTotals {
	calls: number;
	inputTokens: number;
	outputTokens: number;
	/** USD. */
	cost: number;
	errors: number;
	cacheHits: number;
	/** Mean latency of all calls, ms. */
	avgLatencyMs: number;
	errorRate: number;
	cacheHitRate: number;
}

export interface UsageGroup extends UsageTotals {
	/** The group's dimension value (`null` for none: system work, no collection, …). */
	group: string | null;
}

export interface UsageBucket extends UsageGroup {
	/** Start of the hour or day (UTC). */
	start: string;
}

export interface LatencyPercentiles {
	group: string | null;
	start?: string;
	/** Calls measured (cache hits are left out: they make no provider call). */
	calls: number;
	p50: number;
	p95: number;
	p99: number;
	/** `exact`: percentile_cont over the raw rows (short ranges); `histogram`: interpolated from the hourly latency histograms (long ranges; within 19 %). */
	method: 'exact' | 'histogram';
}

export interface UsageSummaryResponse {
	from: string;
	to: string;
	scope: 'all' | 'own';
	totals: UsageTotals;
	latency: LatencyPercentiles | { calls: 0; p50: null; p95: null; p99: null };
}

export interface UsageTimeseriesResponse {
	from: string;
	to: string;
	interval: 'hour' | 'day';
	groupBy: UsageDimension | null;
	buckets: UsageBucket[];
}

export interface UsageBreakdownResponse {
	from: string;
	to: string;
	groupBy: UsageDimension;
	orderBy: UsageMetric;
	groups: UsageGroup[];
}

export interface UsageLatencyResponse {
	from: string;
	to: string;
	interval: 'hour' | 'day' | null;
	groupBy: UsageDimension | null;
	percentiles: LatencyPercentiles[];
}
