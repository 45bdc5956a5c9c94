import { defineSuiteOperation } from '../define-suite-operation.js';
import { runSummarizeTextOperation } from './run-summarize-text-operation.js';

export default defineSuiteOperation('ml-summarize-text', (options, { container, analysisCall }) => runSummarizeTextOperation(options, { analysis: container.analysis, call: analysisCall }));
