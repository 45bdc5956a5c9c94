import type { ModelDefinition } from './types.js';

/** What a provider call consumes: estimated before it, measured after it. */
export interface ProviderCallAmounts {
	inputTokens: number;
	outputTokens: number;
	/** Seconds of audio (transcription). */
	audioSeconds: number;
}

export interface ProviderCall {
	definition: ModelDefinition;
	capability: 'embedding' | 'chat' | 'transcription';
	/** What the call is expected to consume (input tokens are known; output and audio often are not). */
	estimate: ProviderCallAmounts;
}

/** A call the guard let through: report what it consumed (`null` when it failed and consumed nothing). */
export interface GuardedCall {
	end(actual: ProviderCallAmounts | null): void;
}

/**
 * Asked before every provider call the model registry's models make, in one place for every
 * capability, route, flow and job. `begin` throws (e.g. `BudgetExceededError`) to refuse the call.
 */
export interface ProviderCallGuard {
	begin(call: ProviderCall): Promise<GuardedCall>;
}
