import { defineOperationApi } from '@directus/extensions-sdk';
import { getContainer } from '../../container.js';
import { runEnqueueJobOperation } from './run-enqueue-job-operation.js';
import { usageScopedHandler } from '../usage-scoped-handler.js';

export default defineOperationApi<Record<string, unknown>>({
	id: 'ml-enqueue-job',
	handler: usageScopedHandler('ml-enqueue-job', async (options, context) => {
		const container = await getContainer(context);
		return runEnqueueJobOperation(options, { queue: container.queue });
	}),
});
