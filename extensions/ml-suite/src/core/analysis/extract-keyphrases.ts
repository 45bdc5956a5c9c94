import type { NlpDocument, NlpToken } from '../text/english-nlp.js';

export interface Keyphrase {
	/** Surface form as it most often appears (proper nouns keep their case). */
	text: string;
	/** Lemma key used to merge inflections ("vector database" / "vector databases"). */
	key: string;
	/** Relevance 0..1 (1 = best in this text). */
	score: number;
	count: number;
}

const PHRASE_POS = new Set(['NOUN', 'PROPN', 'ADJ']);
const HEAD_POS = new Set(['NOUN', 'PROPN']);

/**
 * Keyphrases from part-of-speech patterns: maximal runs of adjectives and nouns that end in a
 * noun (at most three words, no stop words), merged by lemma. A phrase scores by how often it
 * occurs (weighted up for multi-word phrases, which are more specific) plus how frequent its
 * words are across all candidate phrases, with a boost for early first mentions. Single words that only ever occur inside one longer
 * phrase are dropped in favour of that phrase.
 */
export function extractKeyphrases(doc: NlpDocument, maxKeyphrases: number): Keyphrase[] {
	const phrases = new Map<string, { forms: Map<string, number>; count: number; first: number; words: string[] }>();
	const wordFreq = new Map<string, number>();
	const total = Math.max(1, doc.tokens.length);

	let run: NlpToken[] = [];
	let runStart = 0;
	const flush = (): void => {
		while (run.length > 0 && !HEAD_POS.has(run[run.length - 1]!.pos)) run.pop();
		while (run.length > 3) run.shift();
		if (run.length > 0) {
			const words = run.map((t) => t.lemma);
			const key = words.join(' ');
			const form = run.map((t) => (t.pos === 'PROPN' ? t.text : t.text.toLowerCase())).join(' ');
			const entry = phrases.get(key) ?? { forms: new Map<string, number>(), count: 0, first: runStart, words };
			entry.count++;
			entry.forms.set(form, (entry.forms.get(form) ?? 0) + 1);
			phrases.set(key, entry);
			for (const w of words) {
				wordFreq.set(w, (wordFreq.get(w) ?? 0) + 1);
			}
		}
		run = [];
	};
	doc.tokens.forEach((token, i) => {
		const usable = PHRASE_POS.has(token.pos) && !token.stop && token.type === 'word' && token.lemma.length > 1 && /\p{L}/u.test(token.lemma);
		if (usable) {
			if (run.length === 0) runStart = i;
			run.push(token);
		} else flush();
		if (run.length > 0 && run[0]!.sentence !== token.sentence) flush();
	});
	flush();

	const scored = [...phrases.entries()].map(([key, p]) => {
		const wordScore = p.words.reduce((sum, w) => sum + (wordFreq.get(w) ?? 0), 0) / p.words.length;
		const position = 1 + 0.5 * (1 - p.first / total);
		const score = (p.count * Math.sqrt(p.words.length) + wordScore) * position;
		const text = displayForm(p.forms) ?? key;
		return { text, key, score, count: p.count, words: p.words };
	});
	scored.sort((a, b) => b.score - a.score);

	const kept: typeof scored = [];
	for (const candidate of scored) {
		if (kept.length >= maxKeyphrases) break;
		// A single word subsumed by a kept phrase that occurs as often adds nothing.
		if (candidate.words.length === 1 && kept.some((k) => k.words.length > 1 && k.words.includes(candidate.key) && k.count >= candidate.count)) continue;
		if (kept.some((k) => k.key === candidate.key)) continue;
		kept.push(candidate);
	}
	const best = kept[0]?.score ?? 1;
	return kept.map((k) => ({ text: k.text, key: k.key, score: Math.round((k.score / best) * 1000) / 1000, count: k.count }));
}

/**
 * The form to show: the most frequent lower-case spelling when the phrase ever appears in lower
 * case (a capital then only came from a sentence start or a title), else the most frequent
 * spelling (a name).
 */
function displayForm(forms: Map<string, number>): string | undefined {
	const ranked = [...forms.entries()].sort((a, b) => b[1] - a[1]);
	const lower = ranked.find(([form]) => form === form.toLowerCase());
	return (lower ?? ranked[0])?.[0];
}
