import type { Router } from 'express';
import { z } from 'zod';
import type { AnalysisCall } from '../../core/analysis/analysis-service.js';
import { ANALYSES } from '../../core/analysis/types.js';
import type { Container } from '../container.js';
import { route, type MlRequest } from '../http.js';
import { AnalysisResponse, AnalyzeTextResponse } from './response-schemas.js';

// Length limits are checked by the service (413 naming ML_ANALYSIS_MAX_CHARS), not here.
const text = z.string({ error: 'must be a string' }).refine((s) => s.trim().length > 0, 'must not be empty');
const engine = z.enum(['local', 'llm'], { error: 'must be "local" or "llm"' }).optional();
const model = z.string().trim().min(1).max(200).optional();

const category = z.union([
	z.string().trim().min(1, 'must not be empty').max(200),
	z.object({ name: z.string().trim().min(1, 'must not be empty').max(200), description: z.string().max(2000).optional() }),
]);
const categories = z.array(category, { error: 'must be a list of category names or {name, description} objects' }).min(1, 'must name at least one category');

export const SummarizeBody = z.object({ text, maxLength: z.number().int().min(5).max(2000).optional(), maxSentences: z.number().int().min(1).max(100).optional(), model, engine });
export const SentimentBody = z.object({ text, includeAspects: z.boolean().optional(), model, engine });
export const KeywordsBody = z.object({ text, maxKeywords: z.number().int().min(1).max(50).default(10), model, engine });
export const GenerateBody = z.object({
	prompt: text,
	context: z.string().optional(),
	maxTokens: z.number().int().min(1).max(4000).optional(),
	temperature: z.number().min(0).max(2).optional(),
	model,
	engine,
});
export const ClassifyBody = z.object({ text, categories, multiLabel: z.boolean().optional(), threshold: z.number().min(0).max(1).optional(), model, engine });
export const TextOnlyBody = z.object({ text, model, engine });
export const AnalyzeTextBody = z.object({
	text,
	analyses: z
		.array(z.enum(ANALYSES, { error: `must be one of: ${ANALYSES.join(', ')}` }))
		.min(1, 'must name at least one analysis')
		.default(['sentiment', 'summary', 'keywords']),
	categories: categories.optional(),
	multiLabel: z.boolean().optional(),
	includeAspects: z.boolean().optional(),
	maxLength: z.number().int().min(5).max(2000).optional(),
	maxKeywords: z.number().int().min(1).max(50).optional(),
	model,
	engine,
});

function call(req: MlRequest<{ engine?: 'local' | 'llm'; model?: string }>): AnalysisCall {
	return { origin: req.origin, engine: req.body.engine, model: req.body.model, signal: req.signal };
}

function toCategories(list: z.infer<typeof categories>): { name: string; description?: string }[] {
	return list.map((c) => (typeof c === 'string' ? { name: c } : c));
}

/** SynthStack-compatible analysis routes, plus entities, language and readability. Responses name the engine that answered. */
export function registerAnalysisRoutes(router: Router, getContainer: () => Promise<Container>): void {
	route(router, 'post', '/analysis/summarize', { access: 'user', body: SummarizeBody, response: AnalysisResponse, summary: 'Summary and key points of a text' }, async (req, c) =>
		c.analysis.summarize(req.body.text, { maxLength: req.body.maxLength, maxSentences: req.body.maxSentences }, call(req)),
	getContainer);

	route(router, 'post', '/analysis/sentiment', { access: 'user', body: SentimentBody, response: AnalysisResponse, summary: 'Sentiment label, score −1..1 and confidence' }, async (req, c) =>
		c.analysis.sentiment(req.body.text, { includeAspects: req.body.includeAspects }, call(req)),
	getContainer);

	route(router, 'post', '/analysis/keywords', { access: 'user', body: KeywordsBody, response: AnalysisResponse, summary: 'Keywords and keyphrases' }, async (req, c) =>
		c.analysis.keywords(req.body.text, { maxKeywords: req.body.maxKeywords }, call(req)),
	getContainer);

	route(router, 'post', '/analysis/classify', { access: 'user', body: ClassifyBody, response: AnalysisResponse, summary: 'Zero-shot classification into the given categories' }, async (req, c) => {
		const result = await c.analysis.classify(req.body.text, toCategories(req.body.categories), { multiLabel: req.body.multiLabel, threshold: req.body.threshold }, call(req));
		return { ...result, textPreview: req.body.text.slice(0, 200) };
	}, getContainer);

	route(router, 'post', '/analysis/entities', { access: 'user', body: TextOnlyBody, response: AnalysisResponse, summary: 'People, organisations, places, dates and amounts' }, async (req, c) =>
		c.analysis.entities(req.body.text, call(req)),
	getContainer);

	route(router, 'post', '/analysis/language', { access: 'user', body: TextOnlyBody, response: AnalysisResponse, summary: 'Language of a text (ISO 639-1)' }, async (req, c) =>
		c.analysis.language(req.body.text, call(req)),
	getContainer);

	route(router, 'post', '/analysis/readability', { access: 'user', body: TextOnlyBody, response: AnalysisResponse, summary: 'Flesch reading ease and Flesch–Kincaid grade' }, async (req, c) =>
		c.analysis.readability(req.body.text, call(req)),
	getContainer);

	route(router, 'post', '/analysis/generate', { access: 'user', body: GenerateBody, response: AnalysisResponse, summary: 'Text from a prompt (chat model; local engine answers from context only)' }, async (req, c) =>
		c.analysis.generate(req.body.prompt, { context: req.body.context, maxTokens: req.body.maxTokens, temperature: req.body.temperature }, call(req)),
	getContainer);

	route(router, 'post', '/analysis/text', { access: 'user', body: AnalyzeTextBody, response: AnalyzeTextResponse, summary: 'Several analyses of one text' }, async (req, c) => {
		const b = req.body;
		const out = await c.analysis.analyze(
			b.text,
			b.analyses,
			{ categories: b.categories ? toCategories(b.categories) : undefined, multiLabel: b.multiLabel, includeAspects: b.includeAspects, maxLength: b.maxLength, maxKeywords: b.maxKeywords },
			call(req),
		);
		// SynthStack's shape: summary as a string and keywords as a list; the full results stay under `details`.
		return {
			engine: out.engine,
			wordCount: out.wordCount,
			charCount: out.charCount,
			...(out.sentiment ? { sentiment: { sentiment: out.sentiment.sentiment, score: out.sentiment.score, confidence: out.sentiment.confidence, ...(out.sentiment.aspects ? { aspects: out.sentiment.aspects } : {}) } } : {}),
			...(out.summary ? { summary: out.summary.summary, keyPoints: out.summary.keyPoints } : {}),
			...(out.keywords ? { keywords: out.keywords.keywords } : {}),
			...(out.classification ? { classifications: out.classification.classifications, labels: out.classification.labels } : {}),
			...(out.entities ? { entities: out.entities.entities } : {}),
			...(out.language ? { language: out.language.language } : {}),
			...(out.readability ? { readability: out.readability } : {}),
			details: out,
		};
	}, getContainer);
}
