import { z } from 'zod';

/** How hybrid search combines its semantic and keyword lists. */
export interface FusionOptions {
	/**
	 * `rrf`: reciprocal rank fusion, Σ weight / (k + rank) (robust: needs no comparable scores).
	 * `weighted`: Σ weight × normalised score, scores scaled by the best score of each list
	 * (keyword) or min–max over the list (semantic). Default: `rrf`.
	 */
	method: 'rrf' | 'weighted';
	/** RRF's k: larger flattens the advantage of top ranks. Default: 60. */
	k: number;
	/** Weight of the semantic list. Default: depends on the embedding model (see `defaultFusion`). */
	semanticWeight: number;
	/** Weight of the keyword list. Default: 1. */
	keywordWeight: number;
	/**
	 * Readable candidates taken from each list before fusing. Constant, so a result's rank never
	 * depends on the requested `limit` (only on how far the list is cut). Default: 100.
	 */
	depth: number;
}

/**
 * A request's fusion settings (`fusion` of `POST /ml/search` and of an evaluation run's search
 * options); unset fields take the index model's defaults.
 */
export const FusionOverrides = z
	.object({
		method: z.enum(['rrf', 'weighted']).optional(),
		k: z.number().min(0).max(10_000).optional(),
		semanticWeight: z.number().min(0).max(100).optional(),
		keywordWeight: z.number().min(0).max(100).optional(),
		depth: z.number().int().min(1).max(1000).optional(),
	})
	.strict()
	.refine((f) => f.semanticWeight !== 0 || f.keywordWeight !== 0, 'semanticWeight and keywordWeight must not both be 0');

/**
 * Defaults per embedding model. The local hashing embedder only sees surface overlap and is a
 * weaker lexical ranker than BM25: on BEIR SciFact (bench/relevance.bench.ts, nDCG@10 at limit
 * 10) RRF with it lost to keyword alone at every weight tried (0.660 at 0.1, 0.615 at 0.3,
 * 0.594 at 0.5 against 0.685), and a normalised weighted sum lost less the smaller the
 * semantic weight (0.6845 at 0.05, 0.683 at 0.1, 0.680 at 0.2). So with the local model hybrid
 * leans on the keyword engine: the vectors break ties and fill in when keywords match nothing.
 * A semantic (remote) model gets RRF with equal weights, the common default; it was not
 * measured here (no model weights offline).
 */
export function defaultFusion(provider: string): FusionOptions {
	return provider === 'local'
		? { method: 'weighted', k: 60, semanticWeight: 0.05, keywordWeight: 1, depth: 100 }
		: { method: 'rrf', k: 60, semanticWeight: 1, keywordWeight: 1, depth: 100 };
}

export interface RankedEntry<T> {
	key: string;
	score: number;
	value: T;
}

/**
 * Fuses two ranked lists (best first, already restricted to what the caller may read) into one,
 * best first; ties are broken by key so the order is total and reproducible.
 */
export function fuseRankings<T>(semantic: readonly RankedEntry<T>[], keyword: readonly RankedEntry<T>[], options: FusionOptions): RankedEntry<T>[] {
	const fused = new Map<string, { score: number; value: T }>();
	const add = (list: readonly RankedEntry<T>[], weight: number, normalise: (score: number) => number): void => {
		if (weight === 0) return;
		list.forEach((entry, rank) => {
			const contribution = options.method === 'rrf' ? weight / (options.k + rank + 1) : weight * normalise(entry.score);
			const current = fused.get(entry.key);
			if (current) current.score += contribution;
			else fused.set(entry.key, { score: contribution, value: entry.value });
		});
	};
	const semanticScores = semantic.map((e) => e.score);
	const semMax = Math.max(...semanticScores, 0);
	const semMin = Math.min(...semanticScores, semMax);
	const kwMax = Math.max(...keyword.map((e) => e.score), 0);
	add(semantic, options.semanticWeight, (s) => (semMax > semMin ? (s - semMin) / (semMax - semMin) : 1));
	add(keyword, options.keywordWeight, (s) => (kwMax > 0 ? s / kwMax : 0));
	// Scaled so an item first in both lists scores 1: fused scores read as 0..1 whatever k or the weights.
	const best = options.method === 'rrf' ? (options.semanticWeight + options.keywordWeight) / (options.k + 1) : options.semanticWeight + options.keywordWeight;
	return [...fused.entries()]
		.map(([key, { score, value }]) => ({ key, score: best > 0 ? score / best : 0, value }))
		.sort((a, b) => b.score - a.score || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
