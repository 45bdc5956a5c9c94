import { contentTerms } from '../text/english-nlp.js';
import type { Calibration } from './calibration.js';
import { calibratedHours } from './calibration.js';
import { levelForHours, levelInfo, typicalHours } from './complexity-scale.js';

export interface TaskDescription {
	title: string;
	description?: string | null;
	issueType?: string | null;
	labels?: readonly string[] | null;
	milestone?: string | null;
	projectContext?: string | null;
	relatedFiles?: readonly string[] | null;
}

export interface ComplexityFactor {
	factor: string;
	/** Change to the level score this factor made (+ harder, − easier). */
	impact: number;
	detail: string;
}

export interface ComplexityEstimate {
	complexityScore: 1 | 2 | 3 | 4 | 5;
	name: string;
	estimatedHours: number;
	estimatedPoints: number;
	factors: ComplexityFactor[];
	reasoning: string;
	confidence: number;
	/** Unrounded level score (1..5) the rules produced; the calibration input. */
	rawScore: number;
	/** Set when completed work of the same collection adjusted the hours. */
	calibration?: { samples: number; uncalibratedScore: number; uncalibratedHours: number };
}

/** Lemmas that signal small, contained work. */
const SIMPLE_TERMS = new Set(['typo', 'rename', 'copy', 'wording', 'readme', 'bump', 'tweak', 'minor', 'small', 'colour', 'color', 'label', 'spelling', 'link', 'tooltip', 'padding', 'icon']);
/** Lemmas that signal risky, cross-cutting work. */
const COMPLEX_TERMS = new Set([
	'migrate', 'migration', 'refactor', 'architecture', 'security', 'auth', 'authentication', 'oauth', 'performance', 'scalability', 'distribute',
	'distributed', 'concurrency', 'realtime', 'real-time', 'integration', 'redesign', 'rewrite', 'encryption', 'payment', 'billing', 'tenant',
	'synchronization', 'sync', 'cache', 'sharding', 'replication', 'compliance', 'gdpr', 'legacy', 'backward', 'compatibility', 'infrastructure', 'pipeline', 'streaming',
]);
const ISSUE_TYPES: Record<string, number> = { docs: -1, documentation: -1, chore: -0.5, bug: -0.25, fix: -0.25, feature: 0, enhancement: 0, refactor: 0.5, spike: 0.5, epic: 1.5 };
const HEAVY_LABELS = new Set(['security', 'performance', 'breaking', 'breaking-change', 'migration', 'architecture', 'auth']);
const LIGHT_LABELS = new Set(['good-first-issue', 'good first issue', 'trivial', 'docs', 'typo']);

/**
 * SynthStack-compatible rule-based estimate: the score starts at 3 (moderate) and moves with
 * complexity and simplicity keywords in the title and description, the issue type, labels, the
 * number of related files and the description's length; it is clamped to 1..5. Hours are the
 * level's typical hours, or come from `calibration` (fitted on completed tasks) when given.
 */
export function estimateComplexity(task: TaskDescription, calibration?: Calibration | null): ComplexityEstimate {
	const factors: ComplexityFactor[] = [];
	const add = (factor: string, impact: number, detail: string): void => {
		if (impact !== 0) factors.push({ factor, impact, detail });
	};
	const text = [task.title, task.description ?? '', task.projectContext ?? ''].join('\n');
	const terms = new Set(contentTerms(text));
	const lower = text.toLowerCase();

	const complexHits = [...COMPLEX_TERMS].filter((t) => terms.has(t) || (t.includes('-') && lower.includes(t)));
	const simpleHits = [...SIMPLE_TERMS].filter((t) => terms.has(t));
	add('complexity keywords', Math.min(2, 0.5 * complexHits.length), complexHits.join(', '));
	add('simplicity keywords', -Math.min(1.5, 0.75 * simpleHits.length), simpleHits.join(', '));

	const type = task.issueType?.trim().toLowerCase();
	if (type && ISSUE_TYPES[type] !== undefined) add('issue type', ISSUE_TYPES[type] ?? 0, type);

	const labels = (task.labels ?? []).map((l) => l.trim().toLowerCase());
	const heavy = labels.filter((l) => HEAVY_LABELS.has(l));
	const light = labels.filter((l) => LIGHT_LABELS.has(l));
	add('labels', 0.5 * Math.min(2, heavy.length) - 0.75 * Math.min(1, light.length), [...heavy, ...light].join(', '));

	const files = task.relatedFiles?.length;
	if (files !== undefined) add('related files', files > 10 ? 1 : files > 5 ? 0.5 : files <= 1 ? -0.5 : 0, `${files} files`);

	const words = (task.description ?? '').split(/\s+/).filter(Boolean).length;
	add('description length', words === 0 ? 0 : words < 15 ? -0.5 : words > 150 ? 1 : words > 70 ? 0.5 : 0, `${words} words`);

	const rawScore = Math.max(1, Math.min(5, 3 + factors.reduce((sum, f) => sum + f.impact, 0)));
	const uncalibratedLevel = levelInfo(rawScore);
	const uncalibratedHours = round1(typicalHours(uncalibratedLevel.level));
	let hours = uncalibratedHours;
	let level = uncalibratedLevel;
	let calibrationNote: ComplexityEstimate['calibration'];
	if (calibration && calibration.samples > 0) {
		hours = round1(calibratedHours(calibration, rawScore));
		level = levelInfo(levelForHours(hours));
		calibrationNote = { samples: calibration.samples, uncalibratedScore: uncalibratedLevel.level, uncalibratedHours };
	}
	// Confidence: higher when several signals agree and the score is not on a level boundary.
	const signals = factors.length;
	const boundary = Math.abs(rawScore - Math.round(rawScore));
	const confidence = Math.round(Math.min(0.9, 0.45 + 0.07 * Math.min(4, signals) + 0.2 * (0.5 - boundary)) * 100) / 100;
	const reasoning =
		factors.length === 0
			? `No strong signals; defaulting to ${level.name.toLowerCase()} (level ${level.level}).`
			: `Started at moderate (3); ${factors.map((f) => `${f.factor} ${f.impact > 0 ? '+' : ''}${f.impact}${f.detail ? ` (${f.detail})` : ''}`).join('; ')} → ${level.name.toLowerCase()} (level ${level.level}).` +
				(calibrationNote ? ` Hours calibrated on ${calibrationNote.samples} completed tasks.` : '');
	return {
		complexityScore: level.level,
		name: level.name,
		estimatedHours: hours,
		estimatedPoints: level.points,
		factors,
		reasoning,
		confidence,
		rawScore: Math.round(rawScore * 100) / 100,
		...(calibrationNote ? { calibration: calibrationNote } : {}),
	};
}

function round1(value: number): number {
	return Math.round(value * 10) / 10;
}
