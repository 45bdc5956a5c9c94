import { defineOperationApi } from '@directus/extensions-sdk';
import { getContainer } from '../../container.js';
import { operationCall } from '../analysis-operation-options.js';
import { runClassifyTextOperation } from './run-classify-text-operation.js';
import { usageScopedHandler } from '../usage-scoped-handler.js';

export default defineOperationApi<Record<string, unknown>>({
	id: 'ml-classify-text',
	handler: usageScopedHandler('ml-classify-text', async (options, context) => {
		const container = await getContainer(context);
		return runClassifyTextOperation(options, { analysis: container.analysis, call: (o) => operationCall('ml-classify-text', o, context) });
	}),
});
