import type { AnalysisService } from '../core/analysis/analysis-service.js';
import type { ComplexityService } from '../core/complexity/complexity-service.js';
import { ENRICHMENT_JOBS, type EnrichmentJobDeps } from '../core/enrichment/enrichment-jobs.js';
import { EnrichmentRepository } from '../core/enrichment/enrichment-repository.js';
import { EnrichmentService } from '../core/enrichment/enrichment-service.js';
import { EnrichmentStateRepository } from '../core/enrichment/enrichment-state.js';
import type { HostContext } from './container-types.js';
import { DirectusEnrichmentItems } from './directus-enrichment-items.js';
import type { QueueWiring } from './queue-wiring.js';

export interface EnrichmentWiring {
	enrichments: EnrichmentRepository;
	enrichment: EnrichmentService;
	enrichmentJobDeps: EnrichmentJobDeps;
}

/** Builds the enrichment pipelines and registers their jobs on the queue. */
export function buildEnrichment(host: HostContext, deps: { analysis: AnalysisService; complexity: ComplexityService; queueWiring: QueueWiring }): EnrichmentWiring {
	const enrichments = new EnrichmentRepository(host.database, 10_000, (error, row) =>
		host.logger.warn(`[ml-suite] ignoring invalid ml_enrichments row ${JSON.stringify((row as { name?: string })?.name)}: ${(error as Error).message}`),
	);
	const items = new DirectusEnrichmentItems(host);
	const enrichment = new EnrichmentService({ repository: enrichments, items, state: new EnrichmentStateRepository(host.database), analysis: deps.analysis, complexity: deps.complexity, queue: deps.queueWiring.queue });
	const enrichmentJobDeps: EnrichmentJobDeps = { enrichments, enrichment, enrichmentItems: items, queue: deps.queueWiring.queue };
	for (const job of ENRICHMENT_JOBS) deps.queueWiring.register(job, enrichmentJobDeps);
	return { enrichments, enrichment, enrichmentJobDeps };
}
