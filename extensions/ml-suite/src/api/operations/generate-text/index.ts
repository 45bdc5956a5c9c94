import { defineSuiteOperation } from '../define-suite-operation.js';
import { runGenerateTextOperation } from './run-generate-text-operation.js';

export default defineSuiteOperation('ml-generate-text', (options, { container, context, origin }) =>
	runGenerateTextOperation(options, {
		prompts: container.prompts,
		chatModel: (modelId) => container.chat.model(modelId),
		complete: (chat, request) => container.chat.complete(origin, chat, request),
		data: context.data,
	}),
);
