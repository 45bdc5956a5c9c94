import { defineOperationApi } from '@directus/extensions-sdk';
import { getContainer } from '../../container.js';
import { operationCall } from '../analysis-operation-options.js';
import { runEstimateComplexityOperation } from './run-estimate-complexity-operation.js';
import { usageScopedHandler } from '../usage-scoped-handler.js';

export default defineOperationApi<Record<string, unknown>>({
	id: 'ml-estimate-complexity',
	handler: usageScopedHandler('ml-estimate-complexity', async (options, context) => {
		const container = await getContainer(context);
		return runEstimateComplexityOperation(options, {
			estimate: (task, o) => container.enrichment.estimateComplexity(task, o),
			call: (o) => operationCall('ml-estimate-complexity', o, context),
		});
	}),
});
