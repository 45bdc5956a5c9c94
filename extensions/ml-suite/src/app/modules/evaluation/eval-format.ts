import type { EvalRunSummary, PairedTest } from '../../../shared/eval-types.js';

/** A metric in 0..1, three decimals (or a dash when missing). */
export function formatMetric(value: number | null | undefined): string {
	return value === null || value === undefined || Number.isNaN(value) ? '–' : value.toFixed(3);
}

/** A signed difference, three decimals: `+0.042`, `−0.010`, `±0.000`. */
export function formatDelta(value: number): string {
	if (Math.abs(value) < 0.0005) return '±0.000';
	return `${value > 0 ? '+' : '−'}${Math.abs(value).toFixed(3)}`;
}

/** Milliseconds, compact: `8.2 ms`, `340 ms`, `12.5 s`, `3 min 20 s`. */
export function formatDuration(ms: number | null | undefined): string {
	if (ms === null || ms === undefined) return '–';
	if (ms < 10) return `${ms.toFixed(1)} ms`;
	if (ms < 1000) return `${Math.round(ms)} ms`;
	if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
	const minutes = Math.floor(ms / 60_000);
	return `${minutes} min ${Math.round((ms - minutes * 60_000) / 1000)} s`;
}

/** The p-value as printed: `p < 0.001` or `p = 0.042`. */
export function pValueText(test: PairedTest): string {
	return test.pValue < 0.001 ? 'p < 0.001' : `p = ${test.pValue.toFixed(3)}`;
}

/** How to read a paired comparison in words, from its p-value and direction. */
export function significance(test: PairedTest): { label: string; kind: 'better' | 'worse' | 'same' } {
	const p = pValueText(test);
	if (test.pValue >= 0.05 || Math.abs(test.meanDifference) < 1e-9) return { label: `not significant (${p})`, kind: 'same' };
	return test.meanDifference > 0 ? { label: `better (${p})`, kind: 'better' } : { label: `worse (${p})`, kind: 'worse' };
}

/** A short label for a run: what was searched, how. */
export function runLabel(run: Pick<EvalRunSummary, 'indexName' | 'mode' | 'reranker' | 'modelLabel' | 'k'>): string {
	return `${run.indexName} · ${run.mode}${run.reranker ? ` + ${run.reranker}` : ''} · ${shortModel(run.modelLabel)} · k=${run.k}`;
}

/** The model label without its provider details: `Local hash (local/…, 384d)` → `Local hash`. */
export function shortModel(label: string): string {
	const cut = label.indexOf(' (');
	return cut > 0 ? label.slice(0, cut) : label;
}

/** Share of the index's items that are indexed, when the run recorded it (runs on the index's own vectors). */
export function coverageOf(run: Pick<EvalRunSummary, 'details'>): { indexed: number; items: number } | null {
	const coverage = run.details.coverage as { indexed?: unknown; items?: unknown } | undefined;
	if (!coverage || typeof coverage.indexed !== 'number' || typeof coverage.items !== 'number') return null;
	return { indexed: coverage.indexed, items: coverage.items };
}
