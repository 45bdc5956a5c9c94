import { defineSuiteOperation } from '../define-suite-operation.js';
import { runTranscribeFileOperation } from './run-transcribe-file-operation.js';

export default defineSuiteOperation('ml-transcribe-file', (options, { container, context, origin }) =>
	runTranscribeFileOperation(options, container, {
		accountability: context.accountability ?? null,
		origin,
	}),
);
