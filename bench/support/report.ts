import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'results');
export const RESULTS_FILE = join(RESULTS_DIR, 'latest.json');

/** A target a figure is judged against: `max` (at most) or `min` (at least). */
export type Target = { max: number } | { min: number };

export interface Figure {
	name: string;
	value: number;
	unit: string;
	target?: Target;
	/** Undefined when the figure has no target (informational). */
	met?: boolean;
	note?: string;
}

export interface SectionResult {
	section: string;
	startedAt: string;
	durationMs: number;
	sizes: Record<string, number>;
	figures: Figure[];
	notes: string[];
}

function describeTarget(target: Target | undefined, unit: string): string {
	if (!target) return '—';
	return 'max' in target ? `≤ ${target.max} ${unit}` : `≥ ${target.min} ${unit}`;
}

function formatValue(value: number): string {
	if (!Number.isFinite(value)) return String(value);
	const abs = Math.abs(value);
	if (abs >= 1000) return value.toFixed(0);
	if (abs >= 100) return value.toFixed(1);
	if (abs >= 1) return value.toFixed(2);
	return value.toFixed(4);
}

/**
 * Collects one benchmark's figures, prints each as a table line (value, target, whether it was
 * met) and merges the section into bench/results/latest.json. Never asserts on timings.
 */
export class Report {
	private readonly result: SectionResult;
	private readonly started = performance.now();

	constructor(section: string, sizes: Record<string, number>) {
		this.result = { section, startedAt: new Date().toISOString(), durationMs: 0, sizes, figures: [], notes: [] };
		console.log(`\n=== ${section} === sizes: ${JSON.stringify(sizes)}`);
	}

	add(name: string, value: number, unit: string, target?: Target, note?: string): Figure {
		const met = target === undefined ? undefined : 'max' in target ? value <= target.max : value >= target.min;
		const figure: Figure = { name, value: Number.isFinite(value) ? Number(value.toFixed(4)) : value, unit, ...(target ? { target, met } : {}), ...(note ? { note } : {}) };
		this.result.figures.push(figure);
		const status = met === undefined ? '' : met ? 'MET' : 'NOT MET';
		console.log(
			`| ${this.result.section.padEnd(7)} | ${name.padEnd(48)} | ${`${formatValue(value)} ${unit}`.padStart(22)} | ${describeTarget(target, unit).padEnd(16)} | ${status.padEnd(7)} |${note ? ` ${note}` : ''}`,
		);
		return figure;
	}

	note(text: string): void {
		this.result.notes.push(text);
		console.log(`  note: ${text}`);
	}

	/** Writes the section into latest.json (replacing the same section from an earlier file of this run). */
	save(): SectionResult {
		this.result.durationMs = Math.round(performance.now() - this.started);
		mkdirSync(RESULTS_DIR, { recursive: true });
		const runId = process.env.BENCH_RUN_ID ?? 'manual';
		let data: { runId: string; node: string; startedAt: string; sections: Record<string, SectionResult> } = {
			runId,
			node: process.version,
			startedAt: new Date().toISOString(),
			sections: {},
		};
		if (existsSync(RESULTS_FILE)) {
			try {
				const previous = JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as typeof data;
				if (previous.runId === runId) data = previous;
			} catch {
				// A broken file from an interrupted run is replaced.
			}
		}
		data.sections[this.result.section] = this.result;
		const tmp = `${RESULTS_FILE}.${process.pid}.tmp`;
		writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`);
		renameSync(tmp, RESULTS_FILE);
		console.log(`=== ${this.result.section} done in ${(this.result.durationMs / 1000).toFixed(1)} s ===`);
		return this.result;
	}
}
