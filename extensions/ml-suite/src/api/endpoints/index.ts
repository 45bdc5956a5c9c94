import { defineEndpoint } from '@directus/extensions-sdk';
import type { ApiExtensionContext } from '@directus/types';
import { getContainer } from '../container.js';
import { registerAnalysisRoutes } from './analysis-routes.js';
import { registerComplexityRoutes } from './complexity-routes.js';
import { registerEmbeddingRoutes } from './embeddings-routes.js';
import { registerEvalRoutes } from './eval-routes.js';
import { registerEnrichmentRoutes } from './enrichment-routes.js';
import { registerGenerationRoutes } from './generation-routes.js';
import { registerHealthRoutes } from './health-routes.js';
import { registerMetricsRoute } from './metrics-routes.js';
import { registerModelRoutes } from './model-routes.js';
import { registerOpenApiRoute } from './openapi-routes.js';
import { registerQueueRoutes } from './queue-routes.js';
import { registerRagIndexRoutes } from './rag-index-routes.js';
import { registerRagRoutes } from './rag-routes.js';
import { registerSearchRoutes } from './search-routes.js';
import { registerUsageRoutes } from './usage-routes.js';
import { registerBudgetRoutes } from './budget-routes.js';
import { registerTranscriptionRoutes } from './transcription-routes.js';

export default defineEndpoint({
	id: 'ml',
	handler: (router, context) => {
		// A route's own failures are logged with the container's logger; failing to build it, with Directus's.
		const container = () =>
			getContainer(context as ApiExtensionContext).catch((error: unknown) => {
				context.logger.error(error, '[ml-suite] building the suite failed');
				throw error;
			});
		registerHealthRoutes(router, container);
		registerEmbeddingRoutes(router, container);
		registerSearchRoutes(router, container);
		registerRagIndexRoutes(router, container);
		registerRagRoutes(router, container);
		registerGenerationRoutes(router, container);
		registerAnalysisRoutes(router, container);
		registerComplexityRoutes(router, container);
		registerEnrichmentRoutes(router, container);
		registerQueueRoutes(router, container);
		registerModelRoutes(router, container);
		registerTranscriptionRoutes(router, container);
		registerEvalRoutes(router, container);
		registerUsageRoutes(router, container);
		registerBudgetRoutes(router, container);
		registerMetricsRoute(router, container);
		registerOpenApiRoute(router, container);
	},
});
