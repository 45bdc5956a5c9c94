import { defineOperationApi } from '@directus/extensions-sdk';
import { getContainer } from '../../container.js';
import { recordChatCall } from '../../endpoints/generation-routes.js';
import { runAskOperation } from './run-ask-operation.js';

export default defineOperationApi<Record<string, unknown>>({
	id: 'ml-ask',
	handler: async (options, context) => {
		const container = await getContainer(context);
		return runAskOperation(options, {
			rag: container.rag,
			accountability: context.accountability,
			schema: await context.getSchema(),
			onProviderCall: (call) => recordChatCall(container, { user: context.accountability?.user ?? null, sourceType: 'operation', source: 'ml-ask' }, call),
		});
	},
});
