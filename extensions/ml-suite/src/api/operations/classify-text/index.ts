import { defineSuiteOperation } from '../define-suite-operation.js';
import { runClassifyTextOperation } from './run-classify-text-operation.js';

export default defineSuiteOperation('ml-classify-text', (options, { container, analysisCall }) => runClassifyTextOperation(options, { analysis: container.analysis, call: analysisCall }));
