import type { NlpDocument } from '../text/english-nlp.js';

export interface ExtractiveSummaryOptions {
	/** Word budget. Default: 100. */
	maxWords?: number;
	/** Sentence budget. Default: no limit beyond the words. */
	maxSentences?: number;
	/** Key points returned. Default: 3. */
	keyPoints?: number;
}

export interface ExtractiveSummary {
	summary: string;
	keyPoints: string[];
	/** Indexes of the picked sentences, in document order. */
	picked: number[];
}

interface Scored {
	index: number;
	text: string;
	words: number;
	vector: Map<string, number>;
	score: number;
}

/**
 * Extractive summary: sentences are ranked by a blend of LexRank-style centrality (TF-IDF cosine
 * similarity to the rest of the text, so sentences that share the text's main vocabulary rank
 * high), a lead prior (news and documentation put the gist first) and similarity to the title
 * when the text opens with a headline line. Picks the best sentences within the word budget,
 * skips near-duplicates, and returns them in document order.
 */
export function extractiveSummary(doc: NlpDocument, options: ExtractiveSummaryOptions = {}): ExtractiveSummary {
	const maxWords = Math.max(5, options.maxWords ?? 100);
	const maxSentences = Math.max(1, options.maxSentences ?? Number.MAX_SAFE_INTEGER);
	const terms: string[][] = doc.sentences.map(() => []);
	const wordCounts = doc.sentences.map(() => 0);
	for (const token of doc.tokens) {
		if (token.type !== 'word') continue;
		wordCounts[token.sentence] = (wordCounts[token.sentence] ?? 0) + 1;
		if (!token.stop && token.pos !== 'PUNCT') terms[token.sentence]?.push(token.lemma);
	}
	const n = doc.sentences.length;
	if (n === 0) return { summary: '', keyPoints: [], picked: [] };

	const df = new Map<string, number>();
	for (const list of terms) for (const term of new Set(list)) df.set(term, (df.get(term) ?? 0) + 1);
	const vectors = terms.map((list) => {
		const v = new Map<string, number>();
		for (const term of list) v.set(term, (v.get(term) ?? 0) + 1);
		for (const [term, tf] of v) v.set(term, tf * Math.log(1 + n / (df.get(term) ?? 1)));
		return v;
	});

	// A short first line without a final full stop is a headline: it steers ranking and is not quoted.
	const first = doc.sentences[0] ?? '';
	const hasTitle = n > 1 && (wordCounts[0] ?? 0) <= 14 && !/[.!?]["')\]]?$/.test(first.trim());
	const start = hasTitle ? 1 : 0;

	const candidates: Scored[] = [];
	for (let i = start; i < n; i++) {
		const words = wordCounts[i] ?? 0;
		if (words < 4) continue; // fragments, bylines, list bullets
		let centrality = 0;
		for (let j = start; j < n; j++) if (j !== i) centrality += cosine(vectors[i]!, vectors[j]!);
		candidates.push({ index: i, text: doc.sentences[i]!.trim(), words, vector: vectors[i]!, score: centrality / Math.max(1, n - start - 1) });
	}
	if (candidates.length === 0) {
		const text = truncateWords(doc.sentences.join(' ').trim(), maxWords);
		return { summary: text, keyPoints: text ? [text] : [], picked: [] };
	}

	const maxCentrality = Math.max(...candidates.map((c) => c.score)) || 1;
	for (const c of candidates) {
		const position = 1 / Math.sqrt(1 + (c.index - start));
		const title = hasTitle ? cosine(c.vector, vectors[0]!) : 0;
		c.score = 0.45 * (c.score / maxCentrality) + 0.4 * position + 0.15 * title;
	}
	const ranked = [...candidates].sort((a, b) => b.score - a.score);

	const picked: Scored[] = [];
	let words = 0;
	for (const c of ranked) {
		if (picked.length >= maxSentences) break;
		if (picked.some((p) => cosine(p.vector, c.vector) > 0.6)) continue;
		if (words + c.words > maxWords) {
			if (picked.length === 0) {
				picked.push({ ...c, text: truncateWords(c.text, maxWords) });
				words = maxWords;
			}
			continue;
		}
		picked.push(c);
		words += c.words;
	}
	picked.sort((a, b) => a.index - b.index);
	const keyPoints = ranked.slice(0, Math.max(1, options.keyPoints ?? 3)).map((c) => truncateWords(c.text, 30));
	return { summary: picked.map((p) => p.text).join(' '), keyPoints, picked: picked.map((p) => p.index) };
}

function cosine(a: Map<string, number>, b: Map<string, number>): number {
	if (a.size === 0 || b.size === 0) return 0;
	const [small, large] = a.size <= b.size ? [a, b] : [b, a];
	let dot = 0;
	for (const [term, w] of small) dot += w * (large.get(term) ?? 0);
	if (dot === 0) return 0;
	return dot / (norm(a) * norm(b));
}

function norm(v: Map<string, number>): number {
	let sum = 0;
	for (const w of v.values()) sum += w * w;
	return Math.sqrt(sum);
}

/** The first `maxWords` words of `text`, with an ellipsis when cut. */
export function truncateWords(text: string, maxWords: number): string {
	const words = text.split(/\s+/).filter(Boolean);
	if (words.length <= maxWords) return words.join(' ');
	return `${words.slice(0, maxWords).join(' ')}…`;
}
