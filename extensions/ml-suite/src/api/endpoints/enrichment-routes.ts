import type { Router } from 'express';
import { z } from 'zod';
import type { Container } from '../container.js';
import { route } from '../http.js';

export const BackfillBody = z.object({ force: z.boolean().optional() });

/** Enrichment pipelines (admin): overview, per-pipeline status, backfill. */
export function registerEnrichmentRoutes(router: Router, getContainer: () => Promise<Container>): void {
	route(router, 'get', '/enrichments', { access: 'admin', summary: 'Enrichment pipelines with per-item counts' }, async (_req, c) => ({ pipelines: await c.enrichment.overview() }), getContainer);

	route(router, 'get', '/enrichments/:id/status', { access: 'admin', summary: 'Per-item status counts and recent failures of a pipeline' }, async (req, c) => c.enrichment.status(req.params.id ?? ''), getContainer);

	route(router, 'post', '/enrichments/:id/backfill', { access: 'admin', body: BackfillBody, status: 202, summary: 'Enqueue a backfill of existing items (a job with progress)' }, async (req, c) => {
		const job = await c.enrichment.enqueueBackfill(req.params.id ?? '', { force: req.body.force });
		return { job };
	}, getContainer);
}
