import { defineSuiteOperation } from '../define-suite-operation.js';
import { runAnalyzeTextOperation } from './run-analyze-text-operation.js';

export default defineSuiteOperation('ml-analyze-text', (options, { container, analysisCall }) => runAnalyzeTextOperation(options, { analysis: container.analysis, call: analysisCall }));
