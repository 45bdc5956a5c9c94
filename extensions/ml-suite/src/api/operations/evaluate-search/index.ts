import { defineOperationApi } from '@directus/extensions-sdk';
import { getContainer } from '../../container.js';
import { runEvaluateSearchOperation } from './run-evaluate-search-operation.js';
import { usageScopedHandler } from '../usage-scoped-handler.js';

export default defineOperationApi<Record<string, unknown>>({
	id: 'ml-evaluate-search',
	handler: usageScopedHandler('ml-evaluate-search', async (options, context) => {
		const container = await getContainer(context);
		return runEvaluateSearchOperation(options, { evaluation: container.evaluation, accountability: context.accountability });
	}),
});
