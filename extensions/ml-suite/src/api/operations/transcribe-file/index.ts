import { defineOperationApi } from '@directus/extensions-sdk';
import { usageSource } from '../../../core/usage/usage-source.js';
import { getContainer } from '../../container.js';
import { runTranscribeFileOperation } from './run-transcribe-file-operation.js';
import { usageScopedHandler } from '../usage-scoped-handler.js';

export default defineOperationApi<Record<string, unknown>>({
	id: 'ml-transcribe-file',
	handler: usageScopedHandler('ml-transcribe-file', async (options, context) => {
		const container = await getContainer(context);
		return runTranscribeFileOperation(options, container, {
			accountability: context.accountability ?? null,
			origin: { user: context.accountability?.user ?? null, ...usageSource.flow('ml-transcribe-file') },
		});
	}),
});
