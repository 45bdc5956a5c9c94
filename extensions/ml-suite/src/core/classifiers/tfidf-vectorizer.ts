import { analyzeText } from '../text/analyze-text.js';
import type { SparseVector } from './sparse-vector.js';

/** Fitted TF-IDF state, stored with a classifier version. */
export interface TfidfState {
	vocabulary: string[];
	idf: number[];
}

export interface TfidfOptions {
	/** Most terms kept (the most frequent by document frequency). Default: 20000. */
	maxFeatures?: number;
	/** Least documents a term must occur in. Default: 2 from 1000 documents on, else 1. */
	minDf?: number;
	/** Also use adjacent term pairs. Default: true. */
	bigrams?: boolean;
}

/** Unigrams (stemmed, stop words dropped, by the suite's one text analyzer) and optionally bigrams. */
export function terms(text: string, bigrams: boolean): string[] {
	const unigrams = analyzeText(text);
	if (!bigrams) return unigrams;
	const out = unigrams.slice();
	for (let i = 1; i < unigrams.length; i++) out.push(`${unigrams[i - 1]} ${unigrams[i]}`);
	return out;
}

/**
 * TF-IDF with sublinear term frequency (1 + ln tf), smoothed idf (ln((1+n)/(1+df)) + 1) and
 * L2-normalised rows: the usual text-classification features, computed sparsely so 10k+
 * documents with a 20k-term vocabulary stay small.
 */
export class TfidfVectorizer {
	private readonly index: Map<string, number>;

	constructor(
		readonly state: TfidfState,
		private readonly bigrams: boolean,
	) {
		this.index = new Map(state.vocabulary.map((t, i) => [t, i]));
	}

	get size(): number {
		return this.state.vocabulary.length;
	}

	static fit(texts: readonly string[], options: TfidfOptions = {}): TfidfVectorizer {
		const bigrams = options.bigrams ?? true;
		const df = new Map<string, number>();
		for (const text of texts) for (const term of new Set(terms(text, bigrams))) df.set(term, (df.get(term) ?? 0) + 1);
		return TfidfVectorizer.fromDf(df, texts.length, options);
	}

	/**
	 * `fit` that gives other work a turn: `tick` is awaited after each text (it yields when its
	 * time slice is used up), so fitting 10k documents inside a server process does not block it.
	 */
	static async fitAsync(texts: readonly string[], options: TfidfOptions, tick: () => Promise<void>): Promise<TfidfVectorizer> {
		const bigrams = options.bigrams ?? true;
		const df = new Map<string, number>();
		for (const text of texts) {
			for (const term of new Set(terms(text, bigrams))) df.set(term, (df.get(term) ?? 0) + 1);
			await tick();
		}
		return TfidfVectorizer.fromDf(df, texts.length, options);
	}

	private static fromDf(df: Map<string, number>, n: number, options: TfidfOptions): TfidfVectorizer {
		const bigrams = options.bigrams ?? true;
		const minDf = options.minDf ?? (n >= 1000 ? 2 : 1);
		const maxFeatures = options.maxFeatures ?? 20_000;
		const kept = [...df.entries()]
			.filter(([, n]) => n >= minDf)
			.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
			.slice(0, maxFeatures);
		return new TfidfVectorizer({ vocabulary: kept.map(([t]) => t), idf: kept.map(([, d]) => Math.log((1 + n) / (1 + d)) + 1) }, bigrams);
	}

	transform(text: string): SparseVector {
		const counts = new Map<number, number>();
		for (const term of terms(text, this.bigrams)) {
			const i = this.index.get(term);
			if (i !== undefined) counts.set(i, (counts.get(i) ?? 0) + 1);
		}
		const indices = [...counts.keys()].sort((a, b) => a - b);
		const values = indices.map((i) => (1 + Math.log(counts.get(i)!)) * this.state.idf[i]!);
		const norm = Math.sqrt(values.reduce((s, v) => s + v * v, 0));
		return { indices, values: norm > 0 ? values.map((v) => v / norm) : values };
	}
}
