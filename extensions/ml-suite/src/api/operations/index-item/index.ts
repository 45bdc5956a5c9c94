import { defineOperationApi } from '@directus/extensions-sdk';
import { usageSource } from '../../../core/usage/usage-source.js';
import { getContainer } from '../../container.js';
import { runIndexItemOperation } from './run-index-item-operation.js';
import { usageScopedHandler } from '../usage-scoped-handler.js';

export default defineOperationApi<Record<string, unknown>>({
	id: 'ml-index-item',
	handler: usageScopedHandler('ml-index-item', async (options, context) => {
		const container = await getContainer(context);
		return runIndexItemOperation(options, {
			indexes: container.indexes,
			indexing: container.indexing,
			queue: container.queue,
			origin: { user: context.accountability?.user ?? null, ...usageSource.flow('ml-index-item') },
		});
	}),
});
