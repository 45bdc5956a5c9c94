import { defineOperationApi } from '@directus/extensions-sdk';
import { getContainer } from '../../container.js';
import { operationCall } from '../analysis-operation-options.js';
import { runAnalyzeTextOperation } from './run-analyze-text-operation.js';
import { usageScopedHandler } from '../usage-scoped-handler.js';

export default defineOperationApi<Record<string, unknown>>({
	id: 'ml-analyze-text',
	handler: usageScopedHandler('ml-analyze-text', async (options, context) => {
		const container = await getContainer(context);
		return runAnalyzeTextOperation(options, { analysis: container.analysis, call: (o) => operationCall('ml-analyze-text', o, context) });
	}),
});
