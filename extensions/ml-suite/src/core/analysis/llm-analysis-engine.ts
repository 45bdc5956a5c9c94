import { z } from 'zod';
import type { ChatMessage, ChatModel } from '../providers/types.js';
import { completeStructured } from './structured-output.js';
import type { AnalysisEngine, Category, ClassificationResult, EngineCall, EntitiesResult, LanguageResult, ReadabilityResult, SentimentResult } from './types.js';
import { readabilityOf } from './local-analysis-engine.js';
import { readDocument } from '../text/english-nlp.js';

const confidence = z.number().min(0).max(1);
const label = z.enum(['positive', 'negative', 'neutral', 'mixed']);

export const LlmSentiment = z.strictObject({
	sentiment: label,
	score: z.number().min(-1).max(1),
	confidence,
	aspects: z.array(z.strictObject({ aspect: z.string(), sentiment: label, score: z.number().min(-1).max(1) })),
});
export const LlmSummary = z.strictObject({ summary: z.string().min(1), keyPoints: z.array(z.string().min(1)).max(8) });
export const LlmKeywords = z.strictObject({ keywords: z.array(z.string().min(1)) });
export const LlmClassification = z.strictObject({ classifications: z.array(z.strictObject({ category: z.string(), confidence })) });
export const LlmEntities = z.strictObject({
	entities: z.array(z.strictObject({ text: z.string().min(1), type: z.enum(['person', 'organization', 'place', 'date', 'time', 'money', 'percent', 'email', 'url']) })),
});
export const LlmLanguage = z.strictObject({ language: z.string().min(2).max(3), confidence });
export const LlmGeneration = z.strictObject({ content: z.string() });

const SYSTEM = 'You are a precise text-analysis service. Follow the instructions exactly and never invent facts that are not in the text.';

/**
 * The chat-model engine. Every analysis is one structured completion validated with zod (see
 * `completeStructured`); results are normalised to the same shapes as the local engine's.
 * Readability is a formula, not a judgement, so it is computed locally even here.
 */
export class LlmAnalysisEngine implements AnalysisEngine {
	readonly name = 'llm' as const;

	constructor(private readonly model: ChatModel) {}

	async sentiment(text: string, options: { includeAspects?: boolean; signal?: AbortSignal }): Promise<EngineCall<SentimentResult>> {
		const out = await this.ask('sentiment', LlmSentiment, [
			`Classify the overall sentiment of the text as positive, negative, neutral or mixed, with a score from -1 (very negative) to 1 (very positive) and your confidence 0..1.`,
			options.includeAspects ? 'Also list up to 5 aspects (things the text talks about) with their sentiment and score.' : 'Return an empty aspects list.',
		], text, options.signal);
		const { aspects, ...rest } = out.result;
		return { ...out, result: options.includeAspects ? { ...rest, aspects } : rest };
	}

	async summarize(text: string, options: { maxLength?: number; signal?: AbortSignal }): Promise<EngineCall<{ summary: string; keyPoints: string[] }>> {
		const words = options.maxLength ?? 100;
		return this.ask('summary', LlmSummary, [`Summarise the text in at most ${words} words, in the text's language. Also give 1 to 5 key points, each one short sentence.`], text, options.signal);
	}

	async keywords(text: string, options: { maxKeywords: number; signal?: AbortSignal }): Promise<EngineCall<{ keywords: string[]; scored: { keyword: string; score: number }[] }>> {
		const out = await this.ask('keywords', LlmKeywords, [`List the ${options.maxKeywords} most important keywords or short keyphrases of the text, most important first, each as it appears in the text.`], text, options.signal);
		const keywords = [...new Set(out.result.keywords.map((k) => k.trim()).filter(Boolean))].slice(0, options.maxKeywords);
		return { ...out, result: { keywords, scored: keywords.map((keyword, i) => ({ keyword, score: Math.round((1 - i / Math.max(1, keywords.length)) * 1000) / 1000 })) } };
	}

	async classify(text: string, categories: readonly Category[], options: { multiLabel?: boolean; threshold?: number; signal?: AbortSignal }): Promise<EngineCall<ClassificationResult>> {
		const list = categories.map((c) => `- ${c.name}${c.description ? `: ${c.description}` : ''}`).join('\n');
		const out = await this.ask('classification', LlmClassification, [
			options.multiLabel
				? `Rate how well each category below applies to the text, each with an independent confidence 0..1 (several may apply).`
				: `Decide which ONE category below fits the text best. Give every category a confidence 0..1; the confidences should sum to 1.`,
			`Use the category names exactly as written.\nCategories:\n${list}`,
		], text, options.signal);
		// Keep only known categories, in the caller's spelling; missing ones get 0.
		const byName = new Map(out.result.classifications.map((c) => [c.category.trim().toLowerCase(), c.confidence]));
		let classifications = categories.map((c) => ({ category: c.name, confidence: byName.get(c.name.toLowerCase()) ?? 0 }));
		if (!options.multiLabel) {
			const sum = classifications.reduce((a, c) => a + c.confidence, 0);
			if (sum > 0) classifications = classifications.map((c) => ({ ...c, confidence: Math.round((c.confidence / sum) * 1000) / 1000 }));
		}
		classifications.sort((a, b) => b.confidence - a.confidence);
		const threshold = options.threshold ?? 0.5;
		const labels = options.multiLabel ? classifications.filter((c) => c.confidence >= threshold).map((c) => c.category) : classifications.slice(0, 1).map((c) => c.category);
		return { ...out, result: { classifications, labels } };
	}

	async entities(text: string, options: { signal?: AbortSignal }): Promise<EngineCall<EntitiesResult>> {
		const out = await this.ask('entities', LlmEntities, ['List the named entities in the text: people, organizations, places, dates, times, money amounts, percentages, emails and URLs, each once, as written.'], text, options.signal);
		const counts = new Map<string, { text: string; type: EntitiesResult['entities'][number]['type']; count: number }>();
		for (const e of out.result.entities) {
			const key = `${e.type}:${e.text.toLowerCase()}`;
			const occurrences = Math.max(1, text.split(e.text).length - 1);
			counts.set(key, { text: e.text, type: e.type, count: occurrences });
		}
		return { ...out, result: { entities: [...counts.values()].sort((a, b) => b.count - a.count) } };
	}

	async language(text: string, options: { signal?: AbortSignal }): Promise<EngineCall<LanguageResult>> {
		const out = await this.ask('language', LlmLanguage, ['Identify the language of the text. Answer its ISO 639-1 code (ISO 639-3 when it has none).'], text.slice(0, 2000), options.signal);
		const code = out.result.language.toLowerCase();
		return { ...out, result: { language: code, iso6393: code.length === 3 ? code : '', confidence: out.result.confidence, alternatives: [] } };
	}

	async readability(text: string): Promise<EngineCall<ReadabilityResult>> {
		const started = performance.now();
		const result = readabilityOf(readDocument(text));
		return { result, usage: { inputTokens: 0, outputTokens: 0, latencyMs: performance.now() - started }, provider: 'local', model: 'wink-eng-lite-web-model' };
	}

	async generate(prompt: string, options: { context?: string; maxTokens?: number; temperature?: number; signal?: AbortSignal }): Promise<EngineCall<{ content: string }>> {
		const messages: ChatMessage[] = [
			{ role: 'system', content: options.context ? 'Answer using only the context the user gives. If it does not contain the answer, say so.' : 'You are a helpful writing assistant.' },
			{ role: 'user', content: options.context ? `Context:\n${options.context}\n\nTask:\n${prompt}` : prompt },
		];
		const started = performance.now();
		const result = await this.model.complete({ messages, maxTokens: options.maxTokens, temperature: options.temperature, signal: options.signal });
		return { result: { content: result.content }, usage: { ...result.usage, latencyMs: result.usage.latencyMs || performance.now() - started }, provider: this.model.provider, model: this.model.modelId };
	}

	private async ask<T extends z.ZodType>(name: string, schema: T, instructions: string[], text: string, signal?: AbortSignal): Promise<EngineCall<z.infer<T>>> {
		const out = await completeStructured(this.model, {
			name,
			schema,
			messages: [
				{ role: 'system', content: `${SYSTEM}\n${instructions.join('\n')}` },
				{ role: 'user', content: `Text:\n"""\n${text}\n"""` },
			],
			signal,
		});
		return { result: out.value, usage: out.usage, provider: this.model.provider, model: this.model.modelId };
	}
}
