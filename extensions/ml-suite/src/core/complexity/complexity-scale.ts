/** One level of the SynthStack-compatible complexity scale. */
export interface ComplexityLevel {
	level: 1 | 2 | 3 | 4 | 5;
	name: string;
	points: number;
	minHours: number;
	maxHours: number;
	description: string;
}

/** SynthStack's scale: 1 (1 point, 0.1–1 h) … 5 (13 points, 40–120 h). */
export const COMPLEXITY_SCALE: readonly ComplexityLevel[] = [
	{ level: 1, name: 'Trivial', points: 1, minHours: 0.1, maxHours: 1, description: 'A one-line fix, typo or config change.' },
	{ level: 2, name: 'Simple', points: 3, minHours: 1, maxHours: 4, description: 'A small, well-understood change in one place.' },
	{ level: 3, name: 'Moderate', points: 5, minHours: 4, maxHours: 16, description: 'A feature or fix touching a few components.' },
	{ level: 4, name: 'Complex', points: 8, minHours: 16, maxHours: 40, description: 'Cross-cutting work with design decisions and risk.' },
	{ level: 5, name: 'Very complex', points: 13, minHours: 40, maxHours: 120, description: 'A multi-week effort: migrations, architecture, security.' },
];

export function levelInfo(level: number): ComplexityLevel {
	const clamped = Math.max(1, Math.min(5, Math.round(level)));
	return COMPLEXITY_SCALE[clamped - 1] as ComplexityLevel;
}

/** Typical hours of a level: the geometric middle of its range (0.32, 2, 8, 25.3, 69.3). */
export function typicalHours(level: number): number {
	const info = levelInfo(level);
	return Math.sqrt(info.minHours * info.maxHours);
}

/** The level whose hour range contains `hours` (boundaries belong to the lower level). */
export function levelForHours(hours: number): ComplexityLevel['level'] {
	for (const info of COMPLEXITY_SCALE) if (hours <= info.maxHours) return info.level;
	return 5;
}

/** SynthStack's accuracy of an estimate: 100 − 25 × |Δlevel| (never below 0). */
export function accuracyScore(estimatedLevel: number, actualLevel: number): number {
	return Math.max(0, 100 - 25 * Math.abs(Math.round(estimatedLevel) - Math.round(actualLevel)));
}

/**
 * Point adjustment after the work is done, from how far the estimate was off
 * (`actual − pre`): work that proved harder than estimated earns more (1.25 at two or more
 * levels, 1.15 at one), an accurate estimate earns a 10% accuracy bonus (1.10), and an
 * overestimate earns less (1.0 at one level, 0.9 at two or more).
 */
export function pointAdjustment(preLevel: number, actualLevel: number): { multiplier: number; bonusPercent: number; reason: string } {
	const delta = Math.round(actualLevel) - Math.round(preLevel);
	const [multiplier, reason] =
		delta >= 2
			? [1.25, `The work was ${delta} levels more complex than estimated.`]
			: delta === 1
				? [1.15, 'The work was one level more complex than estimated.']
				: delta === 0
					? [1.1, 'The estimate was accurate.']
					: delta === -1
						? [1.0, 'The work was one level simpler than estimated.']
						: [0.9, `The work was ${-delta} levels simpler than estimated.`];
	return { multiplier, bonusPercent: Math.round((multiplier - 1) * 100), reason };
}
