import { z } from 'zod';
import type { AnalysisCall, AnalysisService, Answered } from '../../../core/analysis/analysis-service.js';
import type { ClassificationResult } from '../../../core/analysis/types.js';
import { parseInput } from '../../http.js';
import { analysisOperationBase } from '../analysis-operation-options.js';
import { plain } from '../analyze-text/run-analyze-text-operation.js';
import { jsonObject, optionalBoolean, optionalString, stringList } from '../flow-options.js';

export const ClassifyTextOperationOptions = z.object({
	...analysisOperationBase,
	/** Zero-shot categories; not needed with a trained classifier. */
	categories: stringList.pipe(z.array(z.string()).optional()),
	/** A trained classifier (`ml_models` id or model id): classifies with its active version. */
	classifier: optionalString,
	/** Optional `{category: description}` to help zero-shot classification. */
	descriptions: jsonObject,
	multiLabel: optionalBoolean,
	threshold: z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v === '' || v === null ? undefined : v), z.number().min(0).max(1).optional()),
});

/** The "Classify" operation: `{{$last.labels[0]}}` is the best category; `classifications` has every confidence. */
export async function runClassifyTextOperation(
	rawOptions: unknown,
	deps: { analysis: Pick<AnalysisService, 'classify'>; call: (o: { engine?: 'local' | 'llm'; model?: string }) => AnalysisCall },
): Promise<Answered<ClassificationResult> & { label: string | null }> {
	const o = parseInput(ClassifyTextOperationOptions, rawOptions ?? {}, 'options');
	const descriptions = (o.descriptions ?? {}) as Record<string, unknown>;
	const categories = (o.categories ?? []).map((name) => ({ name, description: typeof descriptions[name] === 'string' ? (descriptions[name] as string) : undefined }));
	const result = await deps.analysis.classify(plain(o.text), categories, { multiLabel: o.multiLabel, threshold: o.threshold }, deps.call(o.classifier ? { ...o, model: o.classifier } : o));
	return { ...result, label: result.labels[0] ?? null };
}
