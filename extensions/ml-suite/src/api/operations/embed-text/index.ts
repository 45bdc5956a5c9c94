import { defineOperationApi } from '@directus/extensions-sdk';
import { usageSource } from '../../../core/usage/usage-source.js';
import { getContainer } from '../../container.js';
import { runEmbedTextOperation } from './run-embed-text-operation.js';
import { usageScopedHandler } from '../usage-scoped-handler.js';

export default defineOperationApi<Record<string, unknown>>({
	id: 'ml-embed-text',
	handler: usageScopedHandler('ml-embed-text', async (options, context) => {
		const container = await getContainer(context);
		const origin = { user: context.accountability?.user ?? null, ...usageSource.flow('ml-embed-text') };
		return runEmbedTextOperation(options, {
			embed: (texts, modelId) => container.embedTexts(texts, { modelId, origin }),
		});
	}),
});
