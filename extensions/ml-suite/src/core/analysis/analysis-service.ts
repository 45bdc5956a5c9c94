import { InvalidPayloadError, PayloadTooLargeError } from '../errors.js';
import type { ModelDefinition } from '../providers/types.js';
import { computeCost } from '../usage/compute-cost.js';
import type { CallOrigin, UsageEvent } from '../usage/types.js';
import { callOutcome, callUsageEvent } from '../usage/usage-event.js';
import type {
	AnalysisEngine,
	AnalysisName,
	Category,
	ClassificationResult,
	EngineCall,
	EngineName,
	EntitiesResult,
	GenerateResult,
	KeywordsResult,
	LanguageResult,
	ReadabilityResult,
	SentimentResult,
	SummaryResult,
} from './types.js';

export interface AnalysisServiceOptions {
	local: AnalysisEngine;
	/** The LLM engine over a chat model (the default one when `modelId` is omitted); throws NotConfiguredError when there is none. */
	llm(modelId?: string): Promise<{ engine: AnalysisEngine; definition: Pick<ModelDefinition, 'inputPricePerMillion' | 'outputPricePerMillion'> }>;
	/** True when a default chat model is configured (for `auto`). */
	hasChatModel(): Promise<boolean>;
	/** Engine for requests that name none. */
	defaultEngine: EngineName | 'auto';
	/** Longest text accepted, in characters. */
	maxChars: number;
	/** Most categories per classification. */
	maxCategories: number;
	record(event: UsageEvent): void;
	/**
	 * Classifiers trained on CMS labels (`ml_models` rows of task `classification`). A call whose
	 * `model` names one classifies with its active version; other analyses ignore such a model.
	 */
	trained?: TrainedClassifiers;
}

/** What the analysis service needs from the classifier service. */
export interface TrainedClassifiers {
	/** True when `modelId` names a classification model. */
	isClassifier(modelId: string): Promise<boolean>;
	predict(modelId: string, text: string, options: { multiLabel?: boolean; threshold?: number; signal?: AbortSignal }): Promise<EngineCall<ClassificationResult>>;
}

/** Who asks and which engine: shared by every analysis call. */
export interface AnalysisCall {
	origin: CallOrigin;
	/** `local`, `llm` or unset (the configured default). */
	engine?: EngineName;
	/** Chat model id for the llm engine. */
	model?: string;
	signal?: AbortSignal;
}

export interface AnalyzeOptions {
	includeAspects?: boolean;
	maxLength?: number;
	maxKeywords?: number;
	categories?: Category[];
	multiLabel?: boolean;
	threshold?: number;
}

export interface AnalyzeResult {
	engine: EngineName;
	wordCount: number;
	charCount: number;
	sentiment?: Answered<SentimentResult>;
	summary?: Answered<SummaryResult>;
	keywords?: Answered<KeywordsResult>;
	classification?: Answered<ClassificationResult>;
	entities?: Answered<EntitiesResult>;
	language?: Answered<LanguageResult>;
	readability?: Answered<ReadabilityResult>;
}

/** An analysis result and who produced it. */
export type Answered<T> = T & { engine: EngineName; model: string; tokensUsed: number; latencyMs: number };

/**
 * Runs analyses on one engine, enforces the limits (non-empty text, length, category count)
 * the same way for routes, operations and pipelines, and records one usage row per call,
 * local calls included (latency, engine, model, error code).
 */
export class AnalysisService {
	constructor(private readonly options: AnalysisServiceOptions) {}

	get maxChars(): number {
		return this.options.maxChars;
	}

	sentiment(text: string, options: { includeAspects?: boolean }, call: AnalysisCall): Promise<Answered<SentimentResult>> {
		return this.run('sentiment', text, call, (engine) => engine.sentiment(text, { ...options, signal: call.signal }));
	}

	summarize(text: string, options: { maxLength?: number; maxSentences?: number }, call: AnalysisCall): Promise<Answered<SummaryResult>> {
		if (options.maxLength !== undefined && (!Number.isInteger(options.maxLength) || options.maxLength < 5)) {
			throw new InvalidPayloadError('"maxLength" must be a whole number of words, at least 5.', { field: 'maxLength' });
		}
		return this.run('summary', text, call, (engine) => engine.summarize(text, { ...options, signal: call.signal }));
	}

	keywords(text: string, options: { maxKeywords?: number }, call: AnalysisCall): Promise<Answered<KeywordsResult>> {
		const maxKeywords = options.maxKeywords ?? 10;
		if (!Number.isInteger(maxKeywords) || maxKeywords < 1 || maxKeywords > 50) throw new InvalidPayloadError('"maxKeywords" must be a whole number from 1 to 50.', { field: 'maxKeywords' });
		return this.run('keywords', text, call, (engine) => engine.keywords(text, { maxKeywords, signal: call.signal }));
	}

	/** Zero-shot into `categories`, or, when `call.model` names a trained classifier, with its active version (categories are then not needed). */
	async classify(text: string, categories: readonly Category[], options: { multiLabel?: boolean; threshold?: number }, call: AnalysisCall): Promise<Answered<ClassificationResult>> {
		if (await this.isTrainedClassifier(call.model)) {
			const trained = this.options.trained!;
			return this.run('classification', text, { ...call, engine: 'local' }, () => trained.predict(call.model!, text, { ...options, signal: call.signal }));
		}
		this.checkCategories(categories);
		return this.run('classification', text, call, (engine) => engine.classify(text, categories, { ...options, signal: call.signal }));
	}

	private async isTrainedClassifier(model: string | undefined): Promise<boolean> {
		return model !== undefined && this.options.trained !== undefined && (await this.options.trained.isClassifier(model));
	}

	entities(text: string, call: AnalysisCall): Promise<Answered<EntitiesResult>> {
		return this.run('entities', text, call, (engine) => engine.entities(text, { signal: call.signal }));
	}

	language(text: string, call: AnalysisCall): Promise<Answered<LanguageResult>> {
		return this.run('language', text, call, (engine) => engine.language(text, { signal: call.signal }));
	}

	readability(text: string, call: AnalysisCall): Promise<Answered<ReadabilityResult>> {
		return this.run('readability', text, call, (engine) => engine.readability(text, { signal: call.signal }));
	}

	generate(prompt: string, options: { context?: string; maxTokens?: number; temperature?: number }, call: AnalysisCall): Promise<Answered<GenerateResult>> {
		if (options.context !== undefined) this.checkText(options.context, 'context', true);
		return this.run('generate', prompt, call, (engine) => engine.generate(prompt, { ...options, signal: call.signal }), 'prompt');
	}

	/**
	 * Several analyses of one text (the `/analysis/text` route, the "Analyze text" operation and
	 * pipelines), run one after the other on the same engine. Each result is keyed by analysis.
	 */
	async analyze(text: string, analyses: readonly AnalysisName[], options: AnalyzeOptions, call: AnalysisCall): Promise<AnalyzeResult> {
		this.checkText(text);
		if (analyses.length === 0) throw new InvalidPayloadError('"analyses" must name at least one analysis.', { field: 'analyses' });
		if (analyses.includes('classification') && !(await this.isTrainedClassifier(call.model))) {
			if (!options.categories) throw new InvalidPayloadError('"categories" is required for the classification analysis.', { field: 'categories' });
			this.checkCategories(options.categories);
		}
		const out: AnalyzeResult = { engine: await this.resolveEngine(call), wordCount: text.split(/\s+/).filter(Boolean).length, charCount: text.length };
		for (const analysis of new Set(analyses)) {
			switch (analysis) {
				case 'sentiment':
					out.sentiment = await this.sentiment(text, { includeAspects: options.includeAspects }, call);
					break;
				case 'summary':
					out.summary = await this.summarize(text, { maxLength: options.maxLength }, call);
					break;
				case 'keywords':
					out.keywords = await this.keywords(text, { maxKeywords: options.maxKeywords }, call);
					break;
				case 'classification':
					out.classification = await this.classify(text, options.categories ?? [], { multiLabel: options.multiLabel, threshold: options.threshold }, call);
					break;
				case 'entities':
					out.entities = await this.entities(text, call);
					break;
				case 'language':
					out.language = await this.language(text, call);
					break;
				case 'readability':
					out.readability = await this.readability(text, call);
					break;
				default: {
					const never: never = analysis;
					throw new InvalidPayloadError(`Unknown analysis "${String(never)}".`, { field: 'analyses' });
				}
			}
		}
		return out;
	}

	/** Rejects empty or over-long text with a 4xx naming the field. */
	checkText(text: unknown, field = 'text', allowEmpty = false): asserts text is string {
		if (typeof text !== 'string') throw new InvalidPayloadError(`"${field}" must be a string.`, { field });
		if (!allowEmpty && text.trim() === '') throw new InvalidPayloadError(`"${field}" must not be empty.`, { field });
		if (text.length > this.options.maxChars) {
			throw new PayloadTooLargeError(`"${field}" is ${text.length} characters long; the most accepted is ${this.options.maxChars} (ML_ANALYSIS_MAX_CHARS).`, {
				field,
				length: text.length,
				max: this.options.maxChars,
			});
		}
	}

	checkCategories(categories: readonly Category[]): void {
		if (categories.length < 1) throw new InvalidPayloadError('"categories" must name at least one category.', { field: 'categories' });
		if (categories.length > this.options.maxCategories) {
			throw new InvalidPayloadError(`"categories" names ${categories.length} categories; the most accepted is ${this.options.maxCategories} (ML_ANALYSIS_MAX_CATEGORIES).`, {
				field: 'categories',
				max: this.options.maxCategories,
			});
		}
		const names = new Set<string>();
		for (const c of categories) {
			const key = c.name.trim().toLowerCase();
			if (key === '') throw new InvalidPayloadError('"categories" must not contain empty names.', { field: 'categories' });
			if (names.has(key)) throw new InvalidPayloadError(`"categories" names "${c.name}" twice.`, { field: 'categories' });
			names.add(key);
		}
	}

	/** The engine a call resolves to. */
	async resolveEngine(call: Pick<AnalysisCall, 'engine' | 'model'>): Promise<EngineName> {
		if (call.engine) return call.engine;
		if (call.model) return 'llm';
		if (this.options.defaultEngine === 'auto') return (await this.options.hasChatModel()) ? 'llm' : 'local';
		return this.options.defaultEngine;
	}

	private async run<T>(analysis: AnalysisName | 'generate', text: string, call: AnalysisCall, fn: (engine: AnalysisEngine) => Promise<EngineCall<T>>, field = 'text'): Promise<Answered<T>> {
		this.checkText(text, field);
		// A pipeline or request that names a trained classifier runs its other analyses as if no model were named.
		if (analysis !== 'classification' && (await this.isTrainedClassifier(call.model))) call = { ...call, model: undefined };
		const engineName = await this.resolveEngine(call);
		const started = performance.now();
		let pricing: Pick<ModelDefinition, 'inputPricePerMillion' | 'outputPricePerMillion'> = { inputPricePerMillion: 0, outputPricePerMillion: 0 };
		let provider = engineName === 'local' ? 'local' : 'unknown';
		let model = engineName === 'local' ? 'wink-eng-lite-web-model' : (call.model ?? 'default');
		try {
			let engine = this.options.local;
			if (engineName === 'llm') {
				const llm = await this.options.llm(call.model);
				engine = llm.engine;
				pricing = llm.definition;
			}
			const out = await fn(engine);
			provider = out.provider;
			model = out.model;
			this.record(analysis, call.origin, { provider, model, usage: out.usage, cost: computeCost(pricing, out.usage.inputTokens, out.usage.outputTokens) });
			return { ...out.result, engine: engineName, model: out.model, tokensUsed: out.usage.inputTokens + out.usage.outputTokens, latencyMs: Math.round(performance.now() - started) };
		} catch (error) {
			this.record(analysis, call.origin, { provider, model, usage: { inputTokens: 0, outputTokens: 0, latencyMs: performance.now() - started }, cost: 0, error });
			throw error;
		}
	}

	private record(
		analysis: AnalysisName | 'generate',
		origin: CallOrigin,
		call: { provider: string; model: string; usage: { inputTokens: number; outputTokens: number; latencyMs: number }; cost: number; error?: unknown },
	): void {
		try {
			this.options.record(
				callUsageEvent(origin, {
					source: `${origin.source} (${analysis})`,
					capability: analysis === 'classification' ? 'classification' : 'analysis',
					provider: call.provider,
					model: call.model,
					inputTokens: call.usage.inputTokens,
					outputTokens: call.usage.outputTokens,
					cost: call.cost,
					latencyMs: Math.round(call.usage.latencyMs),
					...callOutcome(call.error),
				}),
			);
		} catch {
			// Usage accounting never fails an analysis.
		}
	}
}
