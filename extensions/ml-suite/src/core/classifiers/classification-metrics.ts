import type { ClassificationMetrics } from '../../shared/model-types.js';

export type { ClassificationMetrics };

/** Accuracy, macro-F1, per-class precision/recall/F1 and the confusion matrix. A class never predicted has precision 0. */
export function classificationMetrics(labels: readonly string[], actual: readonly number[], predicted: readonly number[]): ClassificationMetrics {
	const k = labels.length;
	const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
	let correct = 0;
	for (let i = 0; i < actual.length; i++) {
		confusion[actual[i]!]![predicted[i]!]! += 1;
		if (actual[i] === predicted[i]) correct += 1;
	}
	const perClass = labels.map((label, c) => {
		const tp = confusion[c]![c]!;
		const support = confusion[c]!.reduce((a, b) => a + b, 0);
		const predictedAs = confusion.reduce((a, row) => a + row[c]!, 0);
		const precision = predictedAs === 0 ? 0 : tp / predictedAs;
		const recall = support === 0 ? 0 : tp / support;
		const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
		return { label, precision, recall, f1, support };
	});
	const withSupport = perClass.filter((p) => p.support > 0);
	return {
		accuracy: actual.length === 0 ? 0 : correct / actual.length,
		macroF1: withSupport.length === 0 ? 0 : withSupport.reduce((a, p) => a + p.f1, 0) / withSupport.length,
		perClass,
		confusion,
		labels: [...labels],
		size: actual.length,
	};
}
