import { defineSuiteOperation } from '../define-suite-operation.js';
import { runEvaluateSearchOperation } from './run-evaluate-search-operation.js';

export default defineSuiteOperation('ml-evaluate-search', (options, { container, context }) =>
	runEvaluateSearchOperation(options, { evaluation: container.evaluation, accountability: context.accountability }),
);
