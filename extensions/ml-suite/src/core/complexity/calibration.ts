import { typicalHours } from './complexity-scale.js';

/**
 * Hours as a function of the rule score: `ln(hours) = intercept + slope × (score − 3)` (centred
 * on the moderate level, so the intercept is the log-hours of a moderate task). The prior is
 * the scale itself (typical hours of levels 1..5 lie almost exactly on such a line); completed
 * tasks move it by ridge regression towards what the team actually spent.
 */
export interface Calibration {
	intercept: number;
	slope: number;
	/** Completed tasks the fit used (0 = the prior). */
	samples: number;
}

const CENTRE = 3;

export interface CalibrationSample {
	/** Unrounded rule score of the task (1..5). */
	score: number;
	/** Hours the task actually took. */
	actualHours: number;
}

/** Least-squares line through ln(typical hours) of levels 1..5: the uncalibrated mapping. */
export const PRIOR: Calibration = (() => {
	const xs = [1, 2, 3, 4, 5];
	const ys = xs.map((x) => Math.log(typicalHours(x)));
	const mx = 3;
	const my = ys.reduce((a, b) => a + b, 0) / 5;
	const slope = xs.reduce((s, x, i) => s + (x - mx) * ((ys[i] ?? 0) - my), 0) / xs.reduce((s, x) => s + (x - mx) ** 2, 0);
	return { intercept: my, slope, samples: 0 };
})();

/**
 * Fits the calibration on completed tasks: minimises Σ(ln actual − a − b·(score − 3))² + λ·((a − a₀)² +
 * (b − b₀)²) with the scale as prior (a₀, b₀). `strength` (λ, default 3) is how many tasks' worth
 * of evidence the prior counts for, so a handful of tasks nudges the line and many tasks own it.
 * Samples with non-positive or non-finite hours are ignored.
 */
export function calibrate(samples: readonly CalibrationSample[], strength = 3): Calibration {
	const usable = samples.filter((s) => Number.isFinite(s.actualHours) && s.actualHours > 0 && Number.isFinite(s.score));
	if (usable.length === 0) return PRIOR;
	const lambda = Math.max(0, strength);
	// Normal equations of the ridge problem in (a, b).
	let saa = lambda;
	let sab = 0;
	let sbb = lambda;
	let ra = lambda * PRIOR.intercept;
	let rb = lambda * PRIOR.slope;
	for (const s of usable) {
		const y = Math.log(s.actualHours);
		const x = s.score - CENTRE;
		saa += 1;
		sab += x;
		sbb += x * x;
		ra += y;
		rb += x * y;
	}
	const det = saa * sbb - sab * sab;
	if (Math.abs(det) < 1e-12) return PRIOR;
	const intercept = (ra * sbb - rb * sab) / det;
	const slope = (saa * rb - sab * ra) / det;
	return { intercept, slope, samples: usable.length };
}

/** Calibrated hours for a rule score, kept within the scale's 0.1–120 h. */
export function calibratedHours(calibration: Calibration, score: number): number {
	return Math.max(0.1, Math.min(120, Math.exp(calibration.intercept + calibration.slope * (score - CENTRE))));
}
