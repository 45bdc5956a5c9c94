import { describe, expect, it } from 'vitest';
import { classificationMetrics } from './classification-metrics.js';
import { stratifiedSplit } from './stratified-split.js';

describe('classificationMetrics', () => {
	it('computes accuracy, per-class precision/recall, macro-F1 and the confusion matrix', () => {
		// actual:    a a a b b c
		// predicted: a a b b c c
		const m = classificationMetrics(['a', 'b', 'c'], [0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 2, 2]);
		expect(m.accuracy).toBeCloseTo(4 / 6);
		expect(m.confusion).toEqual([
			[2, 1, 0],
			[0, 1, 1],
			[0, 0, 1],
		]);
		expect(m.perClass[0]).toMatchObject({ label: 'a', precision: 1, recall: 2 / 3, support: 3 });
		expect(m.perClass[1]).toMatchObject({ precision: 0.5, recall: 0.5 });
		expect(m.perClass[2]).toMatchObject({ precision: 0.5, recall: 1 });
		const f1 = [0.8, 0.5, 2 / 3];
		expect(m.macroF1).toBeCloseTo((f1[0]! + f1[1]! + f1[2]!) / 3);
	});

	it('a class never predicted has precision 0, not NaN', () => {
		const m = classificationMetrics(['a', 'b'], [0, 1], [0, 0]);
		expect(m.perClass[1]).toMatchObject({ precision: 0, recall: 0, f1: 0 });
		expect(Number.isNaN(m.macroF1)).toBe(false);
	});
});

describe('stratifiedSplit', () => {
	it('keeps class proportions, puts every class in both parts and loses no example', () => {
		const labels = [...new Array(50).fill(0), ...new Array(30).fill(1), ...new Array(5).fill(2)];
		const { train, test } = stratifiedSplit(labels, 0.2, 3);
		expect([...train, ...test].sort((a, b) => a - b)).toEqual(labels.map((_, i) => i));
		const count = (ids: number[], c: number): number => ids.filter((i) => labels[i] === c).length;
		expect([count(test, 0), count(test, 1), count(test, 2)]).toEqual([10, 6, 1]);
		expect(count(train, 2)).toBe(4);
	});

	it('never moves a whole class to the test set, and is deterministic for a seed', () => {
		const labels = [0, 0, 1, 1, 1, 1];
		const a = stratifiedSplit(labels, 0.5, 9);
		expect(a).toEqual(stratifiedSplit(labels, 0.5, 9));
		expect(a.train.some((i) => labels[i] === 0)).toBe(true);
		expect(a.test.some((i) => labels[i] === 0)).toBe(true);
	});
});
