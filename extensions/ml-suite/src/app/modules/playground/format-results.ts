import type { SearchMode } from '../../../shared/rag-types.js';

/**
 * A score a person can read, 0–100. Semantic scores are cosine similarities (already 0–1).
 * Hybrid scores are reciprocal-rank fusions (≈0.03 at best), meaningful only relative to each
 * other, so they are shown relative to the best result of the same search.
 */
export function relevanceOf(score: number, mode: SearchMode, topScore: number): number {
	if (!Number.isFinite(score) || score <= 0) return 0;
	if (mode === 'semantic') return Math.round(Math.min(1, score) * 100);
	return topScore > 0 ? Math.round((score / topScore) * 100) : 0;
}

/** Milliseconds as people read them: `12 ms`, `840 ms`, `5.4 s`, `2 min 5 s`. */
export function formatMs(ms: number): string {
	if (!Number.isFinite(ms) || ms < 0) return '—';
	if (ms < 1000) return `${Math.round(ms)} ms`;
	if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
	const minutes = Math.floor(ms / 60_000);
	return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}
