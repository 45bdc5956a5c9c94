import type { Router } from 'express';
import { z } from 'zod';
import type { Container } from '../container.js';
import { DirectusCallerItems } from '../directus-enrichment-items.js';
import { route } from '../http.js';

export const BackfillBody = z.object({ force: z.boolean().optional() });

export const SuggestionDecisionBody = z
	.object({
		enrichment: z.string().trim().min(1, 'enrichment (the pipeline id) is required'),
		field: z.string().trim().min(1, 'field is required'),
		action: z.enum(['accept', 'reject']),
		/** The edited value to write instead of the suggestion (accept only). */
		value: z.unknown().optional(),
	})
	.refine((b) => b.action === 'accept' || b.value === undefined, { message: 'value is only accepted with action "accept"', path: ['value'] });

/** Enrichment pipelines (admin): overview, per-pipeline status, backfill. */
export function registerEnrichmentRoutes(router: Router, getContainer: () => Promise<Container>): void {
	route(router, 'get', '/enrichments', { access: 'admin', summary: 'Enrichment pipelines with per-item counts' }, async (_req, c) => ({ pipelines: await c.enrichment.overview() }), getContainer);

	route(router, 'get', '/enrichments/:id/status', { access: 'admin', summary: 'Per-item status counts and recent failures of a pipeline' }, async (req, c) => c.enrichment.status(req.params.id ?? ''), getContainer);

	// Editors: suggestions for one item, and their decision on one, read and written with their own permissions.
	route(router, 'get', '/enrichments/suggestions/:collection/:item', { access: 'user', summary: "The active pipelines' suggestions for one item, next to the fields' current values" }, async (req, c) => {
		const caller = new DirectusCallerItems(c.host, req.accountability, req.schema);
		const call = { origin: req.origin, signal: req.signal };
		return { data: { suggestions: await c.enrichment.suggestions(req.params.collection ?? '', req.params.item ?? '', caller, call) } };
	}, getContainer);

	route(router, 'post', '/enrichments/suggestions/:collection/:item', { access: 'user', body: SuggestionDecisionBody, summary: 'Accept (optionally edited) or reject one suggestion; written as the caller' }, async (req, c) => {
		const caller = new DirectusCallerItems(c.host, req.accountability, req.schema);
		const call = { origin: req.origin, signal: req.signal };
		return { data: { suggestion: await c.enrichment.decide(req.params.collection ?? '', req.params.item ?? '', req.body, caller, call) } };
	}, getContainer);

	route(router, 'post', '/enrichments/:id/backfill', { access: 'admin', body: BackfillBody, status: 202, summary: 'Enqueue a backfill of existing items (a job with progress)' }, async (req, c) => {
		const job = await c.enrichment.enqueueBackfill(req.params.id ?? '', { force: req.body.force });
		return { job };
	}, getContainer);
}
