import { z } from 'zod';
import type { AnalysisCall, AnalysisService, Answered } from '../../../core/analysis/analysis-service.js';
import type { SummaryResult } from '../../../core/analysis/types.js';
import { parseInput } from '../../http.js';
import { analysisOperationBase } from '../analysis-operation-options.js';
import { plain } from '../analyze-text/run-analyze-text-operation.js';
import { optionalInt } from '../flow-options.js';

export const SummarizeTextOperationOptions = z.object({ ...analysisOperationBase, maxLength: optionalInt(5, 2000) });

/** The "Summarize" operation: `{{$last.summary}}` and `{{$last.keyPoints}}`. */
export async function runSummarizeTextOperation(
	rawOptions: unknown,
	deps: { analysis: Pick<AnalysisService, 'summarize'>; call: (o: { engine?: 'local' | 'llm'; model?: string }) => AnalysisCall },
): Promise<Answered<SummaryResult>> {
	const o = parseInput(SummarizeTextOperationOptions, rawOptions ?? {}, 'options');
	return deps.analysis.summarize(plain(o.text), { maxLength: o.maxLength }, deps.call(o));
}
