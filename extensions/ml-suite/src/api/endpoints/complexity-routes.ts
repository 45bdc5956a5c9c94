import type { Router } from 'express';
import { z } from 'zod';
import { analyzePullRequest } from '../../core/complexity/analyze-pull-request.js';
import { COMPLEXITY_SCALE, pointAdjustment } from '../../core/complexity/complexity-scale.js';
import type { Container } from '../container.js';
import { route } from '../http.js';

const nonNegative = z.number().min(0, 'must not be negative');
const level = z.number().int('must be a whole number').min(1, 'must be 1..5').max(5, 'must be 1..5');

export const EstimateBody = z.object({
	title: z.string({ error: 'must be a string' }).refine((s) => s.trim().length > 0, 'must not be empty'),
	description: z.string().optional(),
	issueType: z.string().max(100).optional(),
	labels: z.array(z.string().max(100)).max(100).optional(),
	milestone: z.string().max(200).optional(),
	projectContext: z.string().optional(),
	relatedFiles: z.array(z.string().max(1000)).max(10_000).optional(),
	/** Collection whose completed items calibrate the hours (needs an enrichment pipeline with a complexity analysis on it). */
	collection: z.string().max(64).optional(),
	engine: z.enum(['local', 'llm']).optional(),
	model: z.string().trim().min(1).max(200).optional(),
});
export type EstimateBody = z.infer<typeof EstimateBody>;

export const AnalyzeBody = z.object({
	linesAdded: nonNegative,
	linesRemoved: nonNegative,
	filesChanged: nonNegative,
	commits: nonNegative,
	timeToMergeHours: nonNegative.optional(),
	reviewComments: nonNegative.optional(),
	prDescription: z.string().optional(),
	preComplexity: level.optional(),
});

export const AdjustmentBody = z.object({ preLevel: level, actualLevel: level });

/** SynthStack-compatible complexity routes. */
export function registerComplexityRoutes(router: Router, getContainer: () => Promise<Container>): void {
	route(router, 'post', '/complexity/estimate', { access: 'user', body: EstimateBody, summary: 'Complexity level, points and hours of a task' }, async (req, c) => {
		const { engine, model, collection, ...task } = req.body;
		return c.enrichment.estimateComplexity(task, {
			collection,
			canRead: (name) => c.indexResolver.callerAccess(req.accountability).canRead(name),
			call: { origin: { ...req.origin, collection: collection ?? null }, engine, model, signal: req.signal },
		});
	}, getContainer);

	route(router, 'post', '/complexity/analyze', { access: 'user', body: AnalyzeBody, summary: 'Actual complexity of merged work from PR metrics' }, async (req) => analyzePullRequest(req.body), getContainer);

	route(router, 'get', '/complexity/scale', { access: 'user', summary: 'The five-level complexity scale' }, async () => ({
		scale: COMPLEXITY_SCALE.map((l) => ({ level: l.level, name: l.name, points: l.points, hours: { min: l.minHours, max: l.maxHours }, hourRange: `${l.minHours}-${l.maxHours}`, description: l.description })),
	}), getContainer);

	route(router, 'post', '/complexity/adjustment', { access: 'user', body: AdjustmentBody, summary: 'Point multiplier from estimated vs actual level' }, async (req) => pointAdjustment(req.body.preLevel, req.body.actualLevel), getContainer);

	route(router, 'get', '/complexity/health', { access: 'user', summary: 'Complexity estimator status' }, async (_req, c) => ({
		status: 'ok',
		engines: { local: 'rules', llm: c.config.ML_CHAT_PROVIDER === 'none' ? 'not configured' : c.config.ML_CHAT_MODEL },
		defaultEngine: c.config.ML_ANALYSIS_ENGINE,
	}), getContainer);
}
