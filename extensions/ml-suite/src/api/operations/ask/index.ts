import { defineSuiteOperation } from '../define-suite-operation.js';
import { runAskOperation } from './run-ask-operation.js';

export default defineSuiteOperation('ml-ask', async (options, { container, context, origin }) =>
	runAskOperation(options, {
		rag: container.rag,
		accountability: context.accountability,
		schema: await context.getSchema(),
		origin,
		onProviderCall: (call) => container.chat.record(origin, call),
	}),
);
