import { setImmediate as nextTick } from 'node:timers/promises';

/** BM25 parameters, the same as SQLite FTS5's `bm25()` (and the PostgreSQL engine's BM25). */
export const BM25_K1 = 1.2;
export const BM25_B = 0.75;
const K1 = BM25_K1;
const B = BM25_B;

/** Lucene's IDF, `ln(1 + (N − n + 0.5) / (n + 0.5))`: positive even for a term every document holds. */
export function bm25Idf(documents: number, frequency: number): number {
	return Math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5));
}

/** What one term can add to a document's score at most (term frequency → ∞): `idf × (k1 + 1)`. */
export function bm25TermBound(idf: number): number {
	return idf * (K1 + 1);
}
/** Chunks scored between two yields to the event loop. */
const SLICE = 2000;

export interface TermDocument {
	terms: readonly string[];
}

/**
 * BM25 over a given set of documents, with every statistic (document count, document
 * frequencies, average length) taken from that set only. The search service uses it to rank
 * the keyword matches a restricted caller may read, so no statistic of hidden content enters
 * a score. IDF is Lucene's `ln(1 + (N − n + 0.5) / (n + 0.5))`, positive even for a term every
 * document holds. Yields to the event loop between slices.
 */
export async function scoreBm25<T extends TermDocument>(queryTerms: readonly string[], documents: readonly T[]): Promise<{ document: T; score: number }[]> {
	const n = documents.length;
	if (n === 0 || queryTerms.length === 0) return [];
	const wanted = new Set(queryTerms);
	const tfs: Map<string, number>[] = new Array(n);
	const df = new Map<string, number>();
	let totalLength = 0;
	for (let i = 0; i < n; i++) {
		if (i > 0 && i % SLICE === 0) await nextTick();
		const terms = documents[i]!.terms;
		totalLength += terms.length;
		const tf = new Map<string, number>();
		for (const term of terms) if (wanted.has(term)) tf.set(term, (tf.get(term) ?? 0) + 1);
		for (const term of tf.keys()) df.set(term, (df.get(term) ?? 0) + 1);
		tfs[i] = tf;
	}
	const avgLength = totalLength / n || 1;
	const idf = new Map<string, number>();
	for (const term of wanted) {
		const d = df.get(term) ?? 0;
		idf.set(term, bm25Idf(n, d));
	}
	const out: { document: T; score: number }[] = [];
	for (let i = 0; i < n; i++) {
		if (i > 0 && i % SLICE === 0) await nextTick();
		const length = documents[i]!.terms.length;
		let score = 0;
		for (const [term, tf] of tfs[i]!) score += (idf.get(term)! * tf * (K1 + 1)) / (tf + K1 * (1 - B + (B * length) / avgLength));
		if (score > 0) out.push({ document: documents[i]!, score });
	}
	return out;
}
