import type { ModelDefinition } from '../providers/types.js';

/** USD cost of a call from the model's per-million-token prices. Negative or missing counts count as 0. */
export function computeCost(
	def: Pick<ModelDefinition, 'inputPricePerMillion' | 'outputPricePerMillion'>,
	inputTokens: number,
	outputTokens: number,
): number {
	const cost = (Math.max(0, inputTokens || 0) * (def.inputPricePerMillion || 0) + Math.max(0, outputTokens || 0) * (def.outputPricePerMillion || 0)) / 1_000_000;
	// Twelve decimals keeps sub-micro-dollar calls visible while dropping float noise (0.1 + 0.2).
	return Math.round(cost * 1e12) / 1e12;
}

/** USD cost of a call from all of the model's prices: tokens, and audio minutes for transcription. */
export function computeCallCost(
	def: Pick<ModelDefinition, 'inputPricePerMillion' | 'outputPricePerMillion' | 'audioPricePerMinute'>,
	amounts: { inputTokens: number; outputTokens: number; audioSeconds?: number },
): number {
	const audio = (Math.max(0, amounts.audioSeconds || 0) / 60) * (def.audioPricePerMinute || 0);
	return Math.round((computeCost(def, amounts.inputTokens, amounts.outputTokens) + audio) * 1e12) / 1e12;
}
