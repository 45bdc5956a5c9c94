import type { Request, Response } from 'express';
import { isMlError } from '../core/errors.js';

/** Where unexpected (5xx) failures are logged: the container's logger. */
export interface ErrorLogger {
	error(error: unknown, message: string): void;
}

interface DirectusLikeError {
	status: number;
	code: string;
	message: string;
	extensions?: Record<string, unknown>;
}

/** Directus's own errors (from services) carry `status`, `code` and `extensions`. */
function isDirectusError(error: unknown): error is DirectusLikeError {
	return (
		typeof error === 'object' &&
		error !== null &&
		typeof (error as DirectusLikeError).status === 'number' &&
		typeof (error as DirectusLikeError).code === 'string'
	);
}

/** The one place where errors become HTTP responses, in Directus's error format. */
export function toErrorBody(error: unknown): { status: number; body: { errors: { message: string; extensions: Record<string, unknown> }[] } } {
	if (isMlError(error)) {
		return {
			status: error.status,
			body: { errors: [{ message: error.message, extensions: { code: error.code, ...(error.details ?? {}) } }] },
		};
	}
	if (isDirectusError(error)) {
		return {
			status: error.status,
			body: { errors: [{ message: error.message, extensions: { code: error.code, ...(error.extensions ?? {}) } }] },
		};
	}
	if (error instanceof SyntaxError) {
		return { status: 400, body: { errors: [{ message: `Malformed JSON: ${error.message}`, extensions: { code: 'INVALID_PAYLOAD' } }] } };
	}
	return { status: 500, body: { errors: [{ message: 'An unexpected error occurred.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] } };
}

/** Answers with the error's Directus-style body; server-side failures are logged to `logger`. */
export function sendError(res: Response, error: unknown, req?: Request, logger?: ErrorLogger): void {
	const { status, body } = toErrorBody(error);
	if (status >= 500) logger?.error(error, `ML route failed: ${req?.method ?? ''} ${req?.originalUrl ?? ''}`);
	if (res.headersSent) {
		// A streaming response already started: end it with an error event instead of hanging.
		if (!res.writableEnded) {
			res.write(`event: error\ndata: ${JSON.stringify(body.errors[0])}\n\n`);
			res.end();
		}
		return;
	}
	// A 429/503 that knows when to come back says so, as HTTP clients and SDKs expect.
	const retryAfterMs = isMlError(error) && (status === 429 || status === 503) ? error.retryAfterMs : undefined;
	if (retryAfterMs !== undefined) res.setHeader('Retry-After', String(Math.max(1, Math.ceil(retryAfterMs / 1000))));
	res.status(status).json(body);
}
