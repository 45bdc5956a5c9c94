import { MlError } from '../errors.js';

/**
 * Thrown by a job processor when retrying cannot help (the item is gone, the payload is
 * wrong). Both queue backends skip the remaining attempts and dead-letter the job at once.
 */
export class UnrecoverableJobError extends MlError {
	constructor(message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
		super(message, { code: 'JOB_UNRECOVERABLE', status: 500, retryable: false, cause: options.cause, details: options.details });
		this.name = 'UnrecoverableJobError';
	}
}
