import { z } from 'zod';
import type { AnalysisService, AnalysisCall } from '../analysis/analysis-service.js';
import { completeStructured } from '../analysis/structured-output.js';
import type { EngineName } from '../analysis/types.js';
import { InvalidPayloadError } from '../errors.js';
import type { ChatModel, ModelDefinition } from '../providers/types.js';
import { computeCost } from '../usage/compute-cost.js';
import type { UsageEvent } from '../usage/types.js';
import { calibratedHours, type Calibration } from './calibration.js';
import { levelForHours, levelInfo, typicalHours } from './complexity-scale.js';
import { estimateComplexity, type ComplexityEstimate, type TaskDescription } from './estimate-complexity.js';
import { callOutcome, callUsageEvent } from '../usage/usage-event.js';

export const LlmComplexity = z.strictObject({
	complexityScore: z.number().int().min(1).max(5),
	reasoning: z.string().min(1),
	factors: z.array(z.strictObject({ factor: z.string(), impact: z.number().min(-2).max(2), detail: z.string() })),
	confidence: z.number().min(0).max(1),
});

export interface ComplexityServiceOptions {
	analysis: Pick<AnalysisService, 'resolveEngine' | 'checkText'>;
	chatModel(modelId?: string): Promise<{ model: ChatModel; definition: Pick<ModelDefinition, 'inputPricePerMillion' | 'outputPricePerMillion'> }>;
	record(event: UsageEvent): void;
}

export type EstimateAnswer = ComplexityEstimate & { engine: EngineName; model: string; tokensUsed: number };

/**
 * Complexity estimates: the rule-based estimate (always available), or an LLM-assisted one
 * that shows the model the scale and the rules' verdict and lets it decide the level. Either
 * way hours come from the collection's calibration when one is given.
 */
export class ComplexityService {
	constructor(private readonly options: ComplexityServiceOptions) {}

	async estimate(task: TaskDescription, call: AnalysisCall & { calibration?: Calibration | null }): Promise<EstimateAnswer> {
		if (typeof task.title !== 'string' || task.title.trim() === '') throw new InvalidPayloadError('"title" must not be empty.', { field: 'title' });
		this.options.analysis.checkText(`${task.title}\n${task.description ?? ''}\n${task.projectContext ?? ''}`, 'description');
		const engine = await this.options.analysis.resolveEngine(call);
		const started = performance.now();
		const rules = estimateComplexity(task, call.calibration);
		if (engine === 'local') {
			this.record(call, { provider: 'local', model: 'rules', inputTokens: 0, outputTokens: 0, latencyMs: performance.now() - started, cost: 0 });
			return { ...rules, engine, model: 'rules', tokensUsed: 0 };
		}
		let modelId = call.model ?? 'default';
		let provider = 'unknown';
		try {
			const chat = await this.options.chatModel(call.model);
			modelId = chat.model.modelId;
			provider = chat.model.provider;
			const scale = [1, 2, 3, 4, 5].map((l) => {
				const info = levelInfo(l);
				return `${l} ${info.name}: ${info.points} points, ${info.minHours}–${info.maxHours} h. ${info.description}`;
			});
			const out = await completeStructured(chat.model, {
				name: 'complexity',
				schema: LlmComplexity,
				messages: [
					{
						role: 'system',
						content: `You estimate the complexity of software tasks on this scale:\n${scale.join('\n')}\nA rule-based estimator's verdict is given as a hint; overrule it when the task says otherwise. Give the level, short reasoning, the factors that moved it (impact −2..2) and your confidence.`,
					},
					{
						role: 'user',
						content: [
							`Title: ${task.title}`,
							task.issueType ? `Type: ${task.issueType}` : '',
							task.labels?.length ? `Labels: ${task.labels.join(', ')}` : '',
							task.milestone ? `Milestone: ${task.milestone}` : '',
							task.relatedFiles?.length ? `Related files (${task.relatedFiles.length}): ${task.relatedFiles.slice(0, 30).join(', ')}` : '',
							task.description ? `Description:\n${task.description}` : '',
							task.projectContext ? `Project context:\n${task.projectContext}` : '',
							`Rule-based hint: level ${rules.complexityScore} (${rules.reasoning})`,
						]
							.filter(Boolean)
							.join('\n'),
					},
				],
				signal: call.signal,
			});
			const llmLevel = levelInfo(out.value.complexityScore);
			const hours = call.calibration && call.calibration.samples > 0 ? calibratedHours(call.calibration, llmLevel.level) : typicalHours(llmLevel.level);
			const level = call.calibration && call.calibration.samples > 0 ? levelInfo(levelForHours(hours)) : llmLevel;
			this.record(call, { provider, model: modelId, ...out.usage, cost: computeCost(chat.definition, out.usage.inputTokens, out.usage.outputTokens) });
			return {
				complexityScore: level.level,
				name: level.name,
				estimatedHours: Math.round(hours * 10) / 10,
				estimatedPoints: level.points,
				factors: out.value.factors,
				reasoning: out.value.reasoning,
				confidence: out.value.confidence,
				rawScore: out.value.complexityScore,
				...(rules.calibration ? { calibration: { ...rules.calibration, uncalibratedScore: llmLevel.level, uncalibratedHours: Math.round(typicalHours(llmLevel.level) * 10) / 10 } } : {}),
				engine,
				model: modelId,
				tokensUsed: out.usage.inputTokens + out.usage.outputTokens,
			};
		} catch (error) {
			this.record(call, { provider, model: modelId, inputTokens: 0, outputTokens: 0, latencyMs: performance.now() - started, cost: 0, error });
			throw error;
		}
	}

	private record(call: AnalysisCall, c: { provider: string; model: string; inputTokens: number; outputTokens: number; latencyMs: number; cost: number; error?: unknown }): void {
		try {
			this.options.record(
				callUsageEvent(call.origin, {
					source: `${call.origin.source} (complexity)`,
					capability: 'analysis',
					provider: c.provider,
					model: c.model,
					inputTokens: c.inputTokens,
					outputTokens: c.outputTokens,
					cost: c.cost,
					latencyMs: Math.round(c.latencyMs),
					...callOutcome(c.error),
				}),
			);
		} catch {
			// Usage accounting never fails an estimate.
		}
	}
}
