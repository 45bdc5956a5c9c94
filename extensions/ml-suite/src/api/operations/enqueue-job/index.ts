import { defineSuiteOperation } from '../define-suite-operation.js';
import { runEnqueueJobOperation } from './run-enqueue-job-operation.js';

export default defineSuiteOperation('ml-enqueue-job', (options, { container }) => runEnqueueJobOperation(options, { queue: container.queue }));
