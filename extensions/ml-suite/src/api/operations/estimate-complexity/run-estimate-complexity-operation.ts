import { z } from 'zod';
import type { AnalysisCall } from '../../../core/analysis/analysis-service.js';
import type { EstimateAnswer } from '../../../core/complexity/complexity-service.js';
import type { TaskDescription } from '../../../core/complexity/estimate-complexity.js';
import { parseInput } from '../../http.js';
import { plain } from '../analyze-text/run-analyze-text-operation.js';
import { blank, optionalString, requiredText, stringList } from '../flow-options.js';

export const EstimateComplexityOperationOptions = z.object({
	title: requiredText,
	description: z.preprocess((v) => (v === undefined || v === null ? undefined : typeof v === 'string' ? v : JSON.stringify(v)), z.string().optional()),
	issueType: optionalString,
	labels: stringList,
	/** Calibrate hours on this collection's completed items (needs its complexity pipeline). */
	collection: optionalString,
	engine: z.preprocess(blank, z.enum(['local', 'llm']).optional()),
	model: optionalString,
});

export interface EstimateComplexityDeps {
	estimate(task: TaskDescription, options: { collection?: string; call: AnalysisCall }): Promise<EstimateAnswer>;
	call: (o: { engine?: 'local' | 'llm'; model?: string }) => AnalysisCall;
}

/** The "Estimate complexity" operation: `{{$last.complexityScore}}`, `{{$last.estimatedPoints}}`, `{{$last.estimatedHours}}`. */
export async function runEstimateComplexityOperation(rawOptions: unknown, deps: EstimateComplexityDeps): Promise<EstimateAnswer> {
	const o = parseInput(EstimateComplexityOperationOptions, rawOptions ?? {}, 'options');
	return deps.estimate(
		{ title: o.title, description: o.description ? plain(o.description) : undefined, issueType: o.issueType, labels: o.labels },
		{ collection: o.collection, call: deps.call(o) },
	);
}
