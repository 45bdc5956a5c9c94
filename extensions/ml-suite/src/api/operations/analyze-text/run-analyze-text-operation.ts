import { z } from 'zod';
import type { AnalysisCall, AnalysisService, AnalyzeResult } from '../../../core/analysis/analysis-service.js';
import { ANALYSES } from '../../../core/analysis/types.js';
import { htmlToText } from '../../../core/text/html-to-text.js';
import { parseInput } from '../../http.js';
import { analysisOperationBase } from '../analysis-operation-options.js';
import { optionalBoolean, optionalInt, stringList } from '../flow-options.js';

export const AnalyzeTextOperationOptions = z.object({
	...analysisOperationBase,
	analyses: stringList.pipe(z.array(z.enum(ANALYSES, { error: `must be one of: ${ANALYSES.join(', ')}` })).min(1).optional()),
	categories: stringList,
	multiLabel: optionalBoolean,
	maxLength: optionalInt(5, 2000),
	maxKeywords: optionalInt(1, 50),
});
export type AnalyzeTextOperationOptions = z.infer<typeof AnalyzeTextOperationOptions>;

/**
 * The "Analyze text" operation: runs the chosen analyses (default sentiment, summary,
 * keywords) on one text and returns them keyed by analysis, e.g. `{{$last.sentiment.sentiment}}`,
 * `{{$last.summary.summary}}`, `{{$last.keywords.keywords}}`. HTML is converted to text first.
 */
export async function runAnalyzeTextOperation(rawOptions: unknown, deps: { analysis: Pick<AnalysisService, 'analyze'>; call: (o: { engine?: 'local' | 'llm'; model?: string }) => AnalysisCall }): Promise<AnalyzeResult> {
	const o = parseInput(AnalyzeTextOperationOptions, rawOptions ?? {}, 'options');
	return deps.analysis.analyze(
		plain(o.text),
		o.analyses ?? ['sentiment', 'summary', 'keywords'],
		{ categories: o.categories?.map((name) => ({ name })), multiLabel: o.multiLabel, maxLength: o.maxLength, maxKeywords: o.maxKeywords },
		deps.call(o),
	);
}

/** Flow data often carries rich-text HTML. */
export function plain(text: string): string {
	return /<[a-z][\s\S]*>/i.test(text) ? htmlToText(text) : text;
}
