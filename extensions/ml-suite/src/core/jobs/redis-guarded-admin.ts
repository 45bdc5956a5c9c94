import { isMlError } from '../errors.js';
import { withTimeout } from './bullmq-connection.js';
import type { QueueAdminBackend } from './queue-admin-backend.js';
import { QueueUnavailableError } from './queue-unavailable-error.js';

/**
 * Wraps a Redis-backed admin backend so that, while Redis is down, every call fails within
 * `timeoutMs` with a 503 `QueueUnavailableError` (the Queue monitor shows "unavailable")
 * instead of hanging on ioredis's offline queue or surfacing a connection error as a 500.
 * The suite's own errors (404 unknown job, 409 wrong state) pass through unchanged.
 */
export function guardRedisAdmin(inner: QueueAdminBackend, timeoutMs = 3000): QueueAdminBackend {
	return new Proxy(inner, {
		get(target, property, receiver) {
			const value = Reflect.get(target, property, receiver) as unknown;
			if (typeof value !== 'function') return value;
			return async (...args: unknown[]) => {
				try {
					return await withTimeout(Promise.resolve((value as (...a: unknown[]) => unknown).apply(target, args)), timeoutMs, () => new Error('Timed out waiting for Redis'));
				} catch (error) {
					if (isMlError(error)) throw error;
					throw new QueueUnavailableError(`The queue's Redis is not reachable: ${(error as Error).message}`, { cause: error });
				}
			};
		},
	});
}
