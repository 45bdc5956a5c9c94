import { defineOperationApi } from '@directus/extensions-sdk';
import { getContainer } from '../../container.js';
import { operationCall } from '../analysis-operation-options.js';
import { runSummarizeTextOperation } from './run-summarize-text-operation.js';
import { usageScopedHandler } from '../usage-scoped-handler.js';

export default defineOperationApi<Record<string, unknown>>({
	id: 'ml-summarize-text',
	handler: usageScopedHandler('ml-summarize-text', async (options, context) => {
		const container = await getContainer(context);
		return runSummarizeTextOperation(options, { analysis: container.analysis, call: (o) => operationCall('ml-summarize-text', o, context) });
	}),
});
