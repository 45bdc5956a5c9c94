import { defineSuiteOperation } from '../define-suite-operation.js';
import { runEstimateComplexityOperation } from './run-estimate-complexity-operation.js';

export default defineSuiteOperation('ml-estimate-complexity', (options, { container, analysisCall }) =>
	runEstimateComplexityOperation(options, {
		estimate: (task, o) => container.enrichment.estimateComplexity(task, o),
		call: analysisCall,
	}),
);
