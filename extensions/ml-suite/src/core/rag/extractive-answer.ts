import type { Citation } from '../../shared/rag-types.js';
import { splitSentences } from '../text/sentences.js';
import { ENGLISH_STOP_WORDS, REQUEST_WORDS } from '../text/stop-words.js';
import { tokenize } from '../text/tokenize.js';
import { sanitizePassageText } from './context-markers.js';
import type { RagPassage } from './types.js';

/** Said when retrieval found nothing that answers the question. */
export const NO_ANSWER_TEXT = 'No answer found in the indexed content.';

export interface ExtractiveOptions {
	/** Most sentences quoted. Default: 3. */
	maxSentences?: number;
	/** Least share (0..1) of the question's weighted terms a sentence must contain. Default: 0.25. */
	minCoverage?: number;
}

export interface ExtractiveAnswer {
	mode: 'extractive';
	/** Quoted sentences, each followed by its `[n]`; or `NO_ANSWER_TEXT`. */
	answer: string;
	/** One per passage quoted, numbered in order of first use; empty when nothing was found. */
	citations: Citation[];
	found: boolean;
	/** The quoted sentences with their citation numbers, in answer order (for streaming). */
	sentences: { text: string; n: number }[];
}

interface Candidate {
	text: string;
	terms: Set<string>;
	passage: number;
	score: number;
}

/**
 * Answers without a chat model by quoting the sentences of the retrieved passages that best
 * match the question. A sentence scores by the share of the question's terms it contains
 * (rarer terms across the candidate sentences weigh more), scaled by its passage's retrieval
 * score relative to the best one. Near-duplicate sentences are quoted once, and a sentence
 * must score at least half as well as the best to be kept, so weak filler is left out.
 */
export function extractiveAnswer(question: string, passages: readonly RagPassage[], options: ExtractiveOptions = {}): ExtractiveAnswer {
	const maxSentences = Math.max(1, options.maxSentences ?? 3);
	const minCoverage = options.minCoverage ?? 0.25;
	const questionTerms = [...new Set(terms(question))];
	if (questionTerms.length === 0 || passages.length === 0) return notFound();

	const candidates: Candidate[] = [];
	passages.forEach((passage, i) => {
		for (const text of sentences(sanitizePassageText(passage.content))) {
			const sentenceTerms = new Set(terms(text));
			if (sentenceTerms.size > 0) candidates.push({ text, terms: sentenceTerms, passage: i, score: 0 });
		}
	});
	if (candidates.length === 0) return notFound();

	const weights = new Map<string, number>();
	for (const term of questionTerms) {
		const df = candidates.reduce((n, c) => n + (c.terms.has(term) ? 1 : 0), 0);
		weights.set(term, Math.log(1 + candidates.length / (1 + df)));
	}
	const totalWeight = [...weights.values()].reduce((a, b) => a + b, 0);
	const bestPassageScore = Math.max(...passages.map((p) => p.score));

	for (const candidate of candidates) {
		let matched = 0;
		for (const term of questionTerms) if (candidate.terms.has(term)) matched += weights.get(term) ?? 0;
		const coverage = totalWeight > 0 ? matched / totalWeight : 0;
		if (coverage < minCoverage) continue;
		const passageScore = passages[candidate.passage]?.score ?? 0;
		const relative = bestPassageScore > 0 ? Math.max(0, passageScore) / bestPassageScore : 1;
		candidate.score = coverage * (0.5 + 0.5 * relative);
	}

	const ranked = candidates.filter((c) => c.score > 0).sort((a, b) => b.score - a.score);
	const best = ranked[0];
	if (!best) return notFound();

	const picked: Candidate[] = [];
	for (const candidate of ranked) {
		if (picked.length >= maxSentences || candidate.score < best.score * 0.5) break;
		if (picked.some((p) => similar(p, candidate))) continue;
		picked.push(candidate);
	}

	const numbers = new Map<number, number>();
	const quoted: { text: string; n: number }[] = [];
	const byPassage = new Map<number, string[]>();
	for (const sentence of picked) {
		let n = numbers.get(sentence.passage);
		if (n === undefined) {
			n = numbers.size + 1;
			numbers.set(sentence.passage, n);
		}
		quoted.push({ text: sentence.text, n });
		byPassage.set(sentence.passage, [...(byPassage.get(sentence.passage) ?? []), sentence.text]);
	}

	const citations: Citation[] = [...numbers.entries()].map(([i, n]) => {
		const p = passages[i] as RagPassage;
		return { n, index: p.index, collection: p.collection, item: p.item, title: p.title, link: p.link, passage: (byPassage.get(i) ?? []).join(' '), score: p.score, ...(p.media ? { media: p.media } : {}) };
	});
	return {
		mode: 'extractive',
		answer: quoted.map((s) => `${s.text} [${s.n}]`).join(' '),
		citations,
		found: true,
		sentences: quoted,
	};
}

function notFound(): ExtractiveAnswer {
	return { mode: 'extractive', answer: NO_ANSWER_TEXT, citations: [], found: false, sentences: [] };
}

/** Words a question is made of besides its subject. */
const IGNORED = new Set([...ENGLISH_STOP_WORDS, ...REQUEST_WORDS]);

/** Word terms without stop and request words, lightly stemmed so "policies"/"policy" and "refunds"/"refund" meet. */
function terms(text: string): string[] {
	return tokenize(text)
		.filter((w) => !IGNORED.has(w) && (w.length > 1 || /\d/.test(w)))
		.map(stem);
}

function stem(word: string): string {
	if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
	if (word.length > 4 && /(ches|shes|sses|xes)$/.test(word)) return word.slice(0, -2);
	if (word.length > 3 && word.endsWith('s') && !word.endsWith('ss') && !word.endsWith('us')) return word.slice(0, -1);
	return word;
}

/** Sentences of a passage worth quoting; over-long ones are cut. */
function sentences(text: string): string[] {
	return splitSentences(text)
		.filter((sentence) => sentence.length >= 3)
		.map((sentence) => (sentence.length > 500 ? `${sentence.slice(0, 500).replace(/\s\S*$/, '')}…` : sentence));
}

function similar(a: Candidate, b: Candidate): boolean {
	let shared = 0;
	for (const term of a.terms) if (b.terms.has(term)) shared++;
	const union = a.terms.size + b.terms.size - shared;
	return union === 0 || shared / union >= 0.8;
}
