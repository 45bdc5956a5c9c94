import { defineSuiteOperation } from '../define-suite-operation.js';
import { runIndexItemOperation } from './run-index-item-operation.js';

export default defineSuiteOperation('ml-index-item', (options, { container, origin }) =>
	runIndexItemOperation(options, {
		indexes: container.indexes,
		indexing: container.indexing,
		queue: container.queue,
		origin,
	}),
);
