import { defineOperationApi } from '@directus/extensions-sdk';
import { usageSource } from '../../../core/usage/usage-source.js';
import { getContainer } from '../../container.js';
import { runSemanticSearchOperation } from './run-semantic-search-operation.js';
import { usageScopedHandler } from '../usage-scoped-handler.js';

export default defineOperationApi<Record<string, unknown>>({
	id: 'ml-semantic-search',
	handler: usageScopedHandler('ml-semantic-search', async (options, context) => {
		const container = await getContainer(context);
		return runSemanticSearchOperation(options, {
			search: container.callerSearch,
			accountability: context.accountability,
			origin: { user: context.accountability?.user ?? null, ...usageSource.flow('ml-semantic-search') },
		});
	}),
});
