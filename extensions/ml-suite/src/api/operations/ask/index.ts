import { defineOperationApi } from '@directus/extensions-sdk';
import { usageSource } from '../../../core/usage/usage-source.js';
import { getContainer } from '../../container.js';
import { runAskOperation } from './run-ask-operation.js';
import { usageScopedHandler } from '../usage-scoped-handler.js';

export default defineOperationApi<Record<string, unknown>>({
	id: 'ml-ask',
	handler: usageScopedHandler('ml-ask', async (options, context) => {
		const container = await getContainer(context);
		const origin = { user: context.accountability?.user ?? null, ...usageSource.flow('ml-ask') };
		return runAskOperation(options, {
			rag: container.rag,
			accountability: context.accountability,
			schema: await context.getSchema(),
			origin,
			onProviderCall: (call) => container.chat.record(origin, call),
		});
	}),
});
