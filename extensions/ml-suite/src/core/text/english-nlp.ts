import winkNLP, { type WinkMethods } from 'wink-nlp';
import model from 'wink-eng-lite-web-model';

/**
 * The suite's linguistic analysis of English: tokens (with part of speech, lemma and stop-word
 * flag), sentences, sentiment, readability statistics and numeric/date entities, all from
 * wink-nlp with its English "lite web" model (MIT, ~4 MB, no native code, no network). The
 * analyses (sentiment, keywords, summaries, readability) read one document from it; plain
 * tokens, stop words and sentences for search and answers come from `tokenize.ts`,
 * `stop-words.ts` and `sentences.ts`, which need no model.
 */
export interface NlpToken {
	/** The token as written. */
	text: string;
	/** Lower-cased lemma (base form). */
	lemma: string;
	/** Universal POS tag (NOUN, PROPN, ADJ, VERB, PUNCT, …). */
	pos: string;
	/** True for English stop words (the, of, and …). */
	stop: boolean;
	/** wink token type: word, number, punctuation, emoji, url, email, … */
	type: string;
	/** Index of the sentence the token belongs to. */
	sentence: number;
}

export interface NlpEntity {
	text: string;
	/** DATE, TIME, MONEY, PERCENT, CARDINAL, ORDINAL, DURATION, EMAIL, URL, HASHTAG, MENTION, … */
	type: string;
}

export interface NlpReadability {
	/** Flesch Reading Ease as computed by wink (higher = easier; 60–70 is plain English). */
	fleschReadingEase: number;
	words: number;
	sentences: number;
	complexWords: number;
	readingTimeSeconds: number;
}

export interface NlpDocument {
	sentences: string[];
	tokens: NlpToken[];
	/** Document sentiment, −1..1 (wink's lexicon with negation and emphasis handling). */
	sentiment: number;
	/** Sentiment of each sentence, −1..1, aligned with `sentences`. */
	sentenceSentiments: number[];
	entities: NlpEntity[];
	readability: NlpReadability;
}

let nlp: WinkMethods | null = null;

/** Loads the model on first use (~100 ms), then reuses it: it is immutable. */
function engine(): WinkMethods {
	nlp ??= winkNLP(model);
	return nlp;
}

/**
 * Several analyses of one text (a pipeline, `/analysis/text`) read the same text one after the
 * other: the last few parses are kept so it is parsed once. Documents are never mutated.
 */
const recent = new Map<string, NlpDocument>();
const RECENT_MAX = 4;

/** Reads `text` once and returns everything the analyses need from it. */
export function readDocument(text: string): NlpDocument {
	const hit = recent.get(text);
	if (hit) return hit;
	const doc = parse(text);
	recent.set(text, doc);
	if (recent.size > RECENT_MAX) recent.delete(recent.keys().next().value as string);
	return doc;
}

function parse(text: string): NlpDocument {
	const w = engine();
	const its = w.its;
	const doc = w.readDoc(text);
	const tokens: NlpToken[] = [];
	const sentences: string[] = [];
	const sentenceSentiments: number[] = [];
	doc.sentences().each((sentence, index) => {
		sentences.push(sentence.out());
		sentenceSentiments.push(Number(sentence.out(its.sentiment)) || 0);
		// Column-wise reads are several times faster than one `out()` per token.
		const list = sentence.tokens();
		const texts = list.out();
		// The typings declare `its.lemma` with an addon parameter the token collection does not pass.
		const lemmas = list.out(its.lemma as unknown as typeof its.value) as string[];
		const pos = list.out(its.pos) as string[];
		const stop = list.out(its.stopWordFlag) as unknown as boolean[];
		const types = list.out(its.type) as string[];
		for (let i = 0; i < texts.length; i++) {
			tokens.push({
				text: texts[i] ?? '',
				lemma: String(lemmas[i] ?? '').toLowerCase(),
				pos: pos[i] ?? 'X',
				stop: stop[i] === true,
				type: types[i] ?? 'word',
				sentence: index,
			});
		}
	});
	const entities = (doc.entities().out(its.detail) as unknown as { value: string; type: string }[]).map((e) => ({ text: e.value, type: e.type }));
	const stats = doc.out(its.readabilityStats) as unknown as { fres: number; numOfWords: number; numOfSentences: number; numOfComplexWords: number; readingTimeMins: number; readingTimeSecs: number };
	return {
		sentences,
		tokens,
		sentiment: Number(doc.out(its.sentiment)) || 0,
		sentenceSentiments,
		entities,
		readability: {
			fleschReadingEase: stats.fres,
			words: stats.numOfWords,
			sentences: stats.numOfSentences,
			complexWords: stats.numOfComplexWords,
			readingTimeSeconds: stats.readingTimeMins * 60 + stats.readingTimeSecs,
		},
	};
}

/** Content words of `text`: lower-cased lemmas of words that are not stop words or punctuation. */
export function contentTerms(text: string): string[] {
	return readDocument(text)
		.tokens.filter((t) => !t.stop && t.type === 'word' && t.pos !== 'PUNCT')
		.map((t) => t.lemma);
}
