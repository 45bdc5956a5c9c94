import { describe, expect, it } from 'vitest';
import demo from '../../../../../snapshots/demo-content.json' with { type: 'json' };
import { analyzePullRequest } from './analyze-pull-request.js';
import { calibrate, calibratedHours, PRIOR } from './calibration.js';
import { accuracyScore, levelForHours, pointAdjustment, typicalHours } from './complexity-scale.js';
import { estimateComplexity } from './estimate-complexity.js';

describe('complexity scale', () => {
	it('maps hours to levels on SynthStack boundaries', () => {
		expect([0.5, 1, 2, 4, 10, 16, 30, 40, 100, 500].map(levelForHours)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
		expect(typicalHours(3)).toBe(8);
	});

	it('scores accuracy and point adjustments', () => {
		expect(accuracyScore(3, 3)).toBe(100);
		expect(accuracyScore(1, 4)).toBe(25);
		expect(accuracyScore(1, 5)).toBe(0);
		expect([[1, 3], [2, 3], [3, 3], [4, 3], [5, 3]].map(([a, b]) => pointAdjustment(a!, b!).multiplier)).toEqual([1.25, 1.15, 1.1, 1.0, 0.9]);
	});
});

describe('estimateComplexity', () => {
	it('moves from moderate with keywords, type, labels, files and length', () => {
		const typo = estimateComplexity({ title: 'Fix typo in footer', issueType: 'bug', labels: ['good-first-issue'] });
		const migration = estimateComplexity({
			title: 'Migrate authentication to OAuth with PKCE',
			description: 'Refactor the legacy architecture for security and backward compatibility. '.repeat(10),
			issueType: 'epic',
			labels: ['security', 'auth'],
			relatedFiles: Array.from({ length: 20 }, (_, i) => `f${i}.ts`),
		});
		expect(typo.complexityScore).toBe(1);
		expect(migration.complexityScore).toBe(5);
		expect(migration.factors.map((f) => f.factor)).toEqual(expect.arrayContaining(['complexity keywords', 'issue type', 'labels', 'related files', 'description length']));
		expect(estimateComplexity({ title: 'Something' }).complexityScore).toBe(3);
	});
});

describe('calibration', () => {
	it('is the scale itself without samples', () => {
		expect(calibrate([])).toBe(PRIOR);
		for (const level of [1, 2, 3, 4, 5]) expect(levelForHours(calibratedHours(PRIOR, level))).toBe(level);
	});

	it('moves towards what the team actually spent, more with more samples', () => {
		// A team that always takes about twice the typical hours.
		const samples = [1, 2, 3, 4, 5].flatMap((score) => [{ score, actualHours: typicalHours(score) * 2 }]);
		const few = calibrate(samples.slice(0, 2));
		const many = calibrate([...samples, ...samples, ...samples, ...samples]);
		const at3 = (c: typeof PRIOR): number => calibratedHours(c, 3);
		expect(at3(few)).toBeGreaterThan(at3(PRIOR));
		expect(at3(many)).toBeGreaterThan(at3(few));
		expect(at3(many)).toBeLessThanOrEqual(16.5);
		expect(calibrate([{ score: 3, actualHours: 0 }, { score: 3, actualHours: Number.NaN }])).toBe(PRIOR);
	});

	it('does not lower accuracy on the demo tasks (leave-one-out)', () => {
		const done = demo.tasks
			.filter((t) => t.status === 'done' && typeof (t as { actual_hours?: number }).actual_hours === 'number')
			.map((t) => ({ task: { title: t.title, description: t.description, issueType: t.issue_type, labels: t.labels }, actual: (t as unknown as { actual_hours: number }).actual_hours }));
		expect(done.length).toBeGreaterThanOrEqual(5);
		let before = 0;
		let after = 0;
		done.forEach((d, i) => {
			const others = done.filter((_, j) => j !== i).map((o) => ({ score: estimateComplexity(o.task).rawScore, actualHours: o.actual }));
			const actualLevel = levelForHours(d.actual);
			before += accuracyScore(estimateComplexity(d.task).complexityScore, actualLevel);
			after += accuracyScore(estimateComplexity(d.task, calibrate(others)).complexityScore, actualLevel);
		});
		expect(after).toBeGreaterThanOrEqual(before);
	});
});

describe('analyzePullRequest', () => {
	it('sizes merged work and scores the estimate', () => {
		expect(analyzePullRequest({ linesAdded: 5, linesRemoved: 2, filesChanged: 1, commits: 1 }).actualComplexity).toBe(1);
		const big = analyzePullRequest({ linesAdded: 900, linesRemoved: 400, filesChanged: 40, commits: 30, reviewComments: 25, timeToMergeHours: 100, preComplexity: 3 });
		expect(big.actualComplexity).toBe(5);
		expect(big.accuracyScore).toBe(50);
		expect(big.pointAdjustment).toMatchObject({ points: 8, multiplier: 1.25 });
	});
});
