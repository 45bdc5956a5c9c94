import { accuracyScore, levelInfo, pointAdjustment } from './complexity-scale.js';

export interface PullRequestMetrics {
	linesAdded: number;
	linesRemoved: number;
	filesChanged: number;
	commits: number;
	timeToMergeHours?: number;
	reviewComments?: number;
	prDescription?: string;
	/** The level estimated before the work (1..5), to score the estimate. */
	preComplexity?: number;
}

export interface PullRequestAnalysis {
	actualComplexity: 1 | 2 | 3 | 4 | 5;
	actualPoints: number;
	name: string;
	metrics: { linesChanged: number; filesChanged: number; commits: number; timeToMergeHours: number | null; reviewComments: number | null; churnRatio: number };
	/** 100 − 25 × |Δlevel| against `preComplexity`; null without one. */
	accuracyScore: number | null;
	/** Points difference actual − estimated, and the SynthStack multiplier; null without `preComplexity`. */
	pointAdjustment: { points: number; multiplier: number; bonusPercent: number; reason: string } | null;
	analysis: string;
}

/**
 * Actual complexity of merged work from its pull-request metrics: the size of the change sets
 * the base level (≤20 changed lines: 1, ≤100: 2, ≤400: 3, ≤1000: 4, more: 5), and breadth
 * (files), iteration (commits), review effort and time to merge raise it by up to one level.
 */
export function analyzePullRequest(m: PullRequestMetrics): PullRequestAnalysis {
	const lines = Math.max(0, m.linesAdded) + Math.max(0, m.linesRemoved);
	let score = lines <= 20 ? 1 : lines <= 100 ? 2 : lines <= 400 ? 3 : lines <= 1000 ? 4 : 5;
	const reasons: string[] = [`${lines} changed lines → level ${score}`];
	let extra = 0;
	if (m.filesChanged > 20) {
		extra += 0.5;
		reasons.push(`${m.filesChanged} files changed`);
	}
	if (m.commits > 15) {
		extra += 0.25;
		reasons.push(`${m.commits} commits`);
	}
	if ((m.reviewComments ?? 0) > 10) {
		extra += 0.25;
		reasons.push(`${m.reviewComments} review comments`);
	}
	if ((m.timeToMergeHours ?? 0) > 72) {
		extra += 0.25;
		reasons.push(`${m.timeToMergeHours} h to merge`);
	}
	score = Math.min(5, score + Math.min(1, extra));
	const info = levelInfo(Math.floor(score + 0.5));
	const pre = m.preComplexity !== undefined ? levelInfo(m.preComplexity) : null;
	const adjustment = pre ? pointAdjustment(pre.level, info.level) : null;
	return {
		actualComplexity: info.level,
		actualPoints: info.points,
		name: info.name,
		metrics: {
			linesChanged: lines,
			filesChanged: m.filesChanged,
			commits: m.commits,
			timeToMergeHours: m.timeToMergeHours ?? null,
			reviewComments: m.reviewComments ?? null,
			churnRatio: lines === 0 ? 0 : Math.round((Math.max(0, m.linesRemoved) / lines) * 100) / 100,
		},
		accuracyScore: pre ? accuracyScore(pre.level, info.level) : null,
		pointAdjustment: pre && adjustment ? { points: info.points - pre.points, ...adjustment } : null,
		analysis: `${info.name} (level ${info.level}): ${reasons.join('; ')}.${pre ? ` Estimated level ${pre.level}, accuracy ${accuracyScore(pre.level, info.level)}%.` : ''}`,
	};
}
