import { defineOperationApi } from '@directus/extensions-sdk';
import { usageSource } from '../../../core/usage/usage-source.js';
import { getContainer } from '../../container.js';
import { runGenerateTextOperation } from './run-generate-text-operation.js';
import { usageScopedHandler } from '../usage-scoped-handler.js';

export default defineOperationApi<Record<string, unknown>>({
	id: 'ml-generate-text',
	handler: usageScopedHandler('ml-generate-text', async (options, context) => {
		const container = await getContainer(context);
		const origin = { user: context.accountability?.user ?? null, ...usageSource.flow('ml-generate-text') };
		return runGenerateTextOperation(options, {
			prompts: container.prompts,
			chatModel: (modelId) => container.chat.model(modelId),
			complete: (chat, request) => container.chat.complete(origin, chat, request),
			data: context.data,
		});
	}),
});
