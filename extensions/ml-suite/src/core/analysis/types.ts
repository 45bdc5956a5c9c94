import type { ProviderCallUsage } from '../providers/types.js';

/** Which engine answers an analysis: the offline NLP toolkit or the configured chat model. */
export type EngineName = 'local' | 'llm';

/** Every analysis the suite offers. */
export const ANALYSES = ['sentiment', 'summary', 'keywords', 'classification', 'entities', 'language', 'readability'] as const;
export type AnalysisName = (typeof ANALYSES)[number];

export type SentimentLabel = 'positive' | 'negative' | 'neutral' | 'mixed';

export interface SentimentResult {
	sentiment: SentimentLabel;
	/** −1 (very negative) .. 1 (very positive). */
	score: number;
	/** 0..1: how sure the engine is of the label. */
	confidence: number;
	/** Sentiment towards the main things the text talks about (when asked for). */
	aspects?: { aspect: string; sentiment: SentimentLabel; score: number }[];
}

export interface SummaryOptions {
	/** Longest summary, in words. Default: 100. */
	maxLength?: number;
	/** Most sentences (local engine) — the summary stops at whichever limit comes first. */
	maxSentences?: number;
}

export interface SummaryResult {
	summary: string;
	/** 1–5 short statements of the main points. */
	keyPoints: string[];
}

export interface KeywordsResult {
	/** Keywords and keyphrases, best first. */
	keywords: string[];
	/** The same, with relevance scores 0..1. */
	scored: { keyword: string; score: number }[];
}

export interface Category {
	name: string;
	/** Helps zero-shot classification: what belongs in the category (words, examples). */
	description?: string;
}

export interface ClassificationOptions {
	/** Several categories may apply. Default: false (exactly one). */
	multiLabel?: boolean;
	/** Multi-label: least confidence for a category to be assigned. Default: 0.5. */
	threshold?: number;
}

export interface ClassificationResult {
	/** Every category with its confidence 0..1, best first. Single-label confidences sum to 1. */
	classifications: { category: string; confidence: number }[];
	/** The assigned categories: the best one (single-label) or all above the threshold (multi-label). */
	labels: string[];
}

export type EntityType = 'person' | 'organization' | 'place' | 'date' | 'time' | 'money' | 'percent' | 'email' | 'url';

export interface EntitiesResult {
	entities: { text: string; type: EntityType; count: number }[];
}

export interface LanguageResult {
	/** ISO 639-1 code when there is one (`en`), else ISO 639-3; `und` when undetermined. */
	language: string;
	/** ISO 639-3 code (`eng`). */
	iso6393: string;
	confidence: number;
	/** Runner-up languages. */
	alternatives: { language: string; confidence: number }[];
}

export interface ReadabilityResult {
	/** Flesch Reading Ease, 0..100 (higher is easier). */
	fleschReadingEase: number;
	/** Flesch–Kincaid grade level (US school years). */
	fleschKincaidGrade: number;
	/** Plain-language band of the reading ease. */
	level: 'very easy' | 'easy' | 'fairly easy' | 'standard' | 'fairly difficult' | 'difficult' | 'very difficult';
	words: number;
	sentences: number;
	complexWords: number;
	readingTimeSeconds: number;
}

export interface GenerateOptions {
	/** Material the answer must draw on. */
	context?: string;
	maxTokens?: number;
	temperature?: number;
}

export interface GenerateResult {
	content: string;
}

/** What one engine call cost. Local calls report 0 tokens. */
export interface EngineCall<T> {
	result: T;
	usage: ProviderCallUsage;
	/** Provider and model that answered (`local` / `wink-eng-lite-web-model` for the local engine). */
	provider: string;
	model: string;
}

/**
 * One analysis engine. Every method takes non-empty text (the service checks limits) and throws
 * `MlError`s; `signal` cancels remote calls.
 */
export interface AnalysisEngine {
	readonly name: EngineName;
	sentiment(text: string, options: { includeAspects?: boolean; signal?: AbortSignal }): Promise<EngineCall<SentimentResult>>;
	summarize(text: string, options: SummaryOptions & { signal?: AbortSignal }): Promise<EngineCall<SummaryResult>>;
	keywords(text: string, options: { maxKeywords: number; signal?: AbortSignal }): Promise<EngineCall<KeywordsResult>>;
	classify(text: string, categories: readonly Category[], options: ClassificationOptions & { signal?: AbortSignal }): Promise<EngineCall<ClassificationResult>>;
	entities(text: string, options: { signal?: AbortSignal }): Promise<EngineCall<EntitiesResult>>;
	language(text: string, options: { signal?: AbortSignal }): Promise<EngineCall<LanguageResult>>;
	readability(text: string, options: { signal?: AbortSignal }): Promise<EngineCall<ReadabilityResult>>;
	generate(prompt: string, options: GenerateOptions & { signal?: AbortSignal }): Promise<EngineCall<GenerateResult>>;
}
