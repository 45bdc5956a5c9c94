import { defineSuiteOperation } from '../define-suite-operation.js';
import { runEmbedTextOperation } from './run-embed-text-operation.js';

export default defineSuiteOperation('ml-embed-text', (options, { container, origin }) =>
	runEmbedTextOperation(options, {
		embed: (texts, modelId) => container.embedTexts(texts, { modelId, origin }),
	}),
);
