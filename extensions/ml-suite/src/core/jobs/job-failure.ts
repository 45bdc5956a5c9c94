import { isMlError } from '../errors.js';
import { UnrecoverableJobError } from './unrecoverable-job-error.js';

/**
 * True when a processor failure must skip the remaining attempts: an `UnrecoverableJobError`,
 * or any suite error that says retrying cannot help (`retryable: false`, e.g. a 400 from a
 * provider or a deleted item). Unknown errors are retried: they are usually transient.
 */
export function isUnrecoverable(error: unknown): boolean {
	if (error instanceof UnrecoverableJobError) return true;
	return isMlError(error) && !error.retryable;
}

/** A message for job records; never throws, whatever was thrown. */
export function failureMessage(error: unknown): string {
	if (error instanceof Error) return error.message || error.name;
	if (typeof error === 'string') return error;
	try {
		return JSON.stringify(error) ?? String(error);
	} catch {
		return String(error);
	}
}

/** The stack of a failure, with the stacks of its causes, for the job detail view. */
export function failureStack(error: unknown): string {
	const parts: string[] = [];
	let current: unknown = error;
	for (let depth = 0; current !== undefined && current !== null && depth < 5; depth++) {
		parts.push(current instanceof Error ? (current.stack ?? `${current.name}: ${current.message}`) : failureMessage(current));
		current = current instanceof Error ? current.cause : undefined;
		if (current !== undefined && current !== null) parts.push('Caused by:');
	}
	return parts.join('\n');
}
