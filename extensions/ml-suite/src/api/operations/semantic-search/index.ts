import { defineSuiteOperation } from '../define-suite-operation.js';
import { runSemanticSearchOperation } from './run-semantic-search-operation.js';

export default defineSuiteOperation('ml-semantic-search', (options, { container, context, origin }) =>
	runSemanticSearchOperation(options, {
		search: container.callerSearch,
		accountability: context.accountability,
		origin,
	}),
);
