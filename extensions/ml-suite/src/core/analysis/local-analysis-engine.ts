import { cosineSimilarity } from '../embeddings/cosine-similarity.js';
import nlp from 'compromise';
import { francAll } from 'franc-min';
import { NotConfiguredError } from '../errors.js';
import { extractiveAnswer } from '../rag/extractive-answer.js';
import type { ProviderCallUsage } from '../providers/types.js';
import { readDocument, type NlpDocument } from '../text/english-nlp.js';
import { extractKeyphrases } from './extract-keyphrases.js';
import { extractiveSummary } from './extractive-summary.js';
import { iso6391 } from './language-codes.js';
import type {
	AnalysisEngine,
	Category,
	ClassificationResult,
	EngineCall,
	EntitiesResult,
	EntityType,
	ReadabilityResult,
	SentimentLabel,
	SentimentResult,
} from './types.js';

/** Embeds texts for zero-shot classification (the suite's embedding service with the default model). */
export type EmbedTexts = (texts: string[], signal?: AbortSignal) => Promise<{ embeddings: number[][]; provider: string; model: string; usage: ProviderCallUsage }>;

export interface LocalAnalysisEngineOptions {
	embed: EmbedTexts;
	/**
	 * Softmax temperature over cosine similarities for single-label zero-shot classification.
	 * Lower is more decisive. Default: 0.05.
	 */
	temperature?: number;
}

const MODEL = 'wink-eng-lite-web-model';

/** Keyphrases of the text matched against category terms in zero-shot classification. */
const CLASSIFY_PHRASES = 40;

/** A category's terms for zero-shot matching: its name and the comma- or semicolon-separated parts of its description. */
function categoryTerms(category: Category): string[] {
	const parts = (category.description ?? '').split(/[,;\n]/).map((t) => t.trim()).filter((t) => t !== '');
	return [...new Set([category.name.trim() || category.name, ...parts])];
}

/**
 * The offline engine: wink-nlp (sentiment, tokens, sentences, readability, numeric entities),
 * compromise (people, organisations, places), franc-min (language) and the suite's embedding
 * model (zero-shot classification). No keys, no network, deterministic.
 */
export class LocalAnalysisEngine implements AnalysisEngine {
	readonly name = 'local' as const;
	private readonly temperature: number;

	constructor(private readonly options: LocalAnalysisEngineOptions) {
		this.temperature = options.temperature ?? 0.05;
	}

	async sentiment(text: string, options: { includeAspects?: boolean }): Promise<EngineCall<SentimentResult>> {
		return timed(() => {
			const doc = readDocument(text);
			const result = sentimentOf(doc);
			if (options.includeAspects) {
				result.aspects = extractKeyphrases(doc, 5).map((phrase) => {
					const scores = doc.sentences
						.map((sentence, i) => (sentence.toLowerCase().includes(phrase.text.toLowerCase()) ? (doc.sentenceSentiments[i] ?? 0) : null))
						.filter((s): s is number => s !== null);
					const score = round(scores.length > 0 ? scores.reduce((a, b) => a + b, 0) / scores.length : 0);
					return { aspect: phrase.text, sentiment: labelOf(score), score };
				});
			}
			return result;
		});
	}

	async summarize(text: string, options: { maxLength?: number; maxSentences?: number }): Promise<EngineCall<{ summary: string; keyPoints: string[] }>> {
		return timed(() => {
			const summary = extractiveSummary(readDocument(text), { maxWords: options.maxLength ?? 100, maxSentences: options.maxSentences });
			return { summary: summary.summary, keyPoints: summary.keyPoints };
		});
	}

	async keywords(text: string, options: { maxKeywords: number }): Promise<EngineCall<{ keywords: string[]; scored: { keyword: string; score: number }[] }>> {
		return timed(() => {
			const phrases = extractKeyphrases(readDocument(text), options.maxKeywords);
			return { keywords: phrases.map((p) => p.text), scored: phrases.map((p) => ({ keyword: p.text, score: p.score })) };
		});
	}

	/**
	 * Zero-shot through the suite's embedding model: the text's keyphrases (up to 40) and each
	 * category's terms (its name and the comma-separated words of its description) are embedded;
	 * a category scores the mean, over its terms, of the term's best cosine similarity to any
	 * keyphrase. Matching phrase to term keeps a long text's many unrelated words from drowning
	 * the topic (with the default lexical embedder, one vector for the whole text put BBC News
	 * at 56% and the demo articles at 22%; phrase-to-term matching at 79% and 58%, see the README).
	 * Single-label: a softmax over the scores (sums to 1). Multi-label: each category's score
	 * relative to the best one, `exp((score − best) / temperature)`, so the best category is 1
	 * and a category is assigned when it is within the threshold of it.
	 */
	async classify(text: string, categories: readonly Category[], options: { multiLabel?: boolean; threshold?: number; signal?: AbortSignal }): Promise<EngineCall<ClassificationResult>> {
		const phrases = extractKeyphrases(readDocument(text), CLASSIFY_PHRASES).map((p) => p.text);
		// A text too short for keyphrases is matched as a whole.
		if (phrases.length === 0) phrases.push(text);
		const terms = categories.map((c) => categoryTerms(c));
		const embedded = await this.options.embed([...phrases, ...terms.flat()], options.signal);
		const phraseVectors = embedded.embeddings.slice(0, phrases.length);
		let next = phrases.length;
		const sims = terms.map((list) => {
			const termVectors = embedded.embeddings.slice(next, next + list.length);
			next += list.length;
			const best = termVectors.map((t) => Math.max(...phraseVectors.map((p) => cosineSimilarity(p, t))));
			return best.reduce((a, b) => a + b, 0) / Math.max(1, best.length);
		});
		const best = Math.max(...sims);
		const t = this.temperature;
		let confidences: number[];
		if (options.multiLabel) {
			confidences = sims.map((s) => Math.exp((s - best) / t));
		} else {
			const exps = sims.map((s) => Math.exp((s - best) / t));
			const sum = exps.reduce((a, b) => a + b, 0);
			confidences = exps.map((e) => e / sum);
		}
		const classifications = categories
			.map((c, i) => ({ category: c.name, confidence: round(confidences[i] ?? 0) }))
			.sort((a, b) => b.confidence - a.confidence);
		const threshold = options.threshold ?? 0.5;
		const labels = options.multiLabel ? classifications.filter((c) => c.confidence >= threshold).map((c) => c.category) : classifications.slice(0, 1).map((c) => c.category);
		return { result: { classifications, labels }, usage: embedded.usage, provider: embedded.provider, model: embedded.model };
	}

	async entities(text: string): Promise<EngineCall<EntitiesResult>> {
		return timed(() => {
			const counts = new Map<string, { text: string; type: EntityType; count: number }>();
			const add = (value: string, type: EntityType): void => {
				const clean = value.trim().replace(/^[\s"'“‘(]+|[\s"'”’).,;:!?]+$/gu, '');
				if (clean.length < 2) return;
				const key = `${type}:${clean.toLowerCase()}`;
				const entry = counts.get(key) ?? { text: clean, type, count: 0 };
				entry.count++;
				counts.set(key, entry);
			};
			const view = nlp(text);
			for (const value of view.people().out('array') as string[]) add(value, 'person');
			for (const value of view.organizations().out('array') as string[]) add(value, 'organization');
			for (const value of view.places().out('array') as string[]) add(value, 'place');
			const winkTypes: Record<string, EntityType> = { DATE: 'date', TIME: 'time', MONEY: 'money', PERCENT: 'percent', EMAIL: 'email', URL: 'url' };
			for (const entity of readDocument(text).entities) {
				const type = winkTypes[entity.type];
				if (type) add(entity.text, type);
			}
			return { entities: [...counts.values()].sort((a, b) => b.count - a.count) };
		});
	}

	async language(text: string): Promise<EngineCall<{ language: string; iso6393: string; confidence: number; alternatives: { language: string; confidence: number }[] }>> {
		return timed(() => {
			// franc needs some text; below 10 characters it answers "und" (undetermined).
			const ranked = francAll(text, { minLength: 10 }).slice(0, 4);
			const [top, second] = ranked;
			if (!top || top[0] === 'und') return { language: 'und', iso6393: 'und', confidence: 0, alternatives: [] };
			// francAll scores the best language 1 and the others relative to it: a close runner-up means low confidence.
			const confidence = round(1 - 0.5 * (second?.[1] ?? 0));
			return {
				language: iso6391(top[0]),
				iso6393: top[0],
				confidence,
				alternatives: ranked.slice(1).map(([code, score]) => ({ language: iso6391(code), confidence: round(score * 0.5) })),
			};
		});
	}

	async readability(text: string): Promise<EngineCall<ReadabilityResult>> {
		return timed(() => readabilityOf(readDocument(text)));
	}

	/**
	 * Without a chat model there is no free generation; with `context`, the answer quotes the
	 * sentences of the context that best match the prompt (the RAG extractive answerer).
	 */
	async generate(prompt: string, options: { context?: string }): Promise<EngineCall<{ content: string }>> {
		if (!options.context || options.context.trim() === '') {
			throw new NotConfiguredError(
				'Free text generation needs a chat model: set ML_CHAT_PROVIDER and ML_CHAT_MODEL (or add one in ML Models). Without one, pass "context" and the local engine answers by quoting it.',
				{ engine: 'local' },
			);
		}
		const context = options.context;
		return timed(() => {
			const answer = extractiveAnswer(prompt, [{ index: 'context', collection: '', item: '', title: '', content: context, score: 1, link: '' }], { maxSentences: 3, minCoverage: 0.1 });
			return { content: answer.found ? answer.sentences.map((s) => s.text).join(' ') : extractiveSummary(readDocument(context), { maxWords: 60 }).summary };
		});
	}
}

/** Label, score and confidence from wink's document and sentence sentiment. */
export function sentimentOf(doc: NlpDocument): SentimentResult {
	const score = round(Math.max(-1, Math.min(1, doc.sentiment)));
	const strongPositive = doc.sentenceSentiments.filter((s) => s >= 0.3).length;
	const strongNegative = doc.sentenceSentiments.filter((s) => s <= -0.3).length;
	let sentiment = labelOf(score);
	// Mixed: both polarities weigh — the rarer one has at least a third as many strong sentences
	// as the other. One critical sentence in a long warm article does not make it mixed.
	const minority = Math.min(strongPositive, strongNegative);
	if (minority > 0 && minority * 3 >= Math.max(strongPositive, strongNegative) && Math.abs(score) < 0.3) sentiment = 'mixed';
	// Confidence grows with the score's distance from the neutral band's edge.
	const confidence = sentiment === 'neutral' ? 1 - Math.abs(score) / 0.05 / 2 : sentiment === 'mixed' ? 0.5 : Math.min(1, 0.55 + Math.abs(score));
	return { sentiment, score, confidence: round(Math.max(0, Math.min(1, confidence))) };
}

function labelOf(score: number): SentimentLabel {
	if (score > 0.05) return 'positive';
	if (score < -0.05) return 'negative';
	return 'neutral';
}

/** Flesch Reading Ease (wink) and the Flesch–Kincaid grade derived from the same counts. */
export function readabilityOf(doc: NlpDocument): ReadabilityResult {
	const r = doc.readability;
	const words = Math.max(1, r.words);
	const sentences = Math.max(1, r.sentences);
	const wordsPerSentence = words / sentences;
	// FRE = 206.835 − 1.015·ASL − 84.6·ASW, so syllables per word follow from wink's FRE.
	const syllablesPerWord = Math.max(1, (206.835 - 1.015 * wordsPerSentence - r.fleschReadingEase) / 84.6);
	const grade = Math.max(0, 0.39 * wordsPerSentence + 11.8 * syllablesPerWord - 15.59);
	const ease = Math.max(0, Math.min(100, r.fleschReadingEase));
	const level: ReadabilityResult['level'] =
		ease >= 90 ? 'very easy' : ease >= 80 ? 'easy' : ease >= 70 ? 'fairly easy' : ease >= 60 ? 'standard' : ease >= 50 ? 'fairly difficult' : ease >= 30 ? 'difficult' : 'very difficult';
	return {
		fleschReadingEase: round(ease),
		fleschKincaidGrade: Math.round(grade * 10) / 10,
		level,
		words: r.words,
		sentences: r.sentences,
		complexWords: r.complexWords,
		readingTimeSeconds: r.readingTimeSeconds,
	};
}

async function timed<T>(fn: () => T): Promise<EngineCall<T>> {
	const started = performance.now();
	const result = fn();
	return { result, usage: { inputTokens: 0, outputTokens: 0, latencyMs: performance.now() - started }, provider: 'local', model: MODEL };
}


function round(value: number): number {
	return Math.round(value * 1000) / 1000;
}
