import { MlError } from '../errors.js';

/**
 * The queue backend cannot take work right now (Redis unreachable, queue closed). Raised
 * quickly instead of hanging so that callers can fall back (run inline, rely on the
 * reconcile sweep). Retryable: the same call may succeed once the backend is back.
 */
export class QueueUnavailableError extends MlError {
	constructor(message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
		super(message, { code: 'QUEUE_UNAVAILABLE', status: 503, retryable: true, cause: options.cause, details: options.details });
		this.name = 'QueueUnavailableError';
	}
}
