/**
 * The suite's one error hierarchy. Every error carries a machine-readable `code`, the HTTP
 * `status` it maps to, whether retrying can help (`retryable`), and the original `cause`.
 * `api/errors.ts` maps these to Directus error responses in one place.
 */
export interface MlErrorOptions {
	/** Machine-readable code, e.g. `INVALID_PAYLOAD`. */
	code: string;
	/** HTTP status the error maps to. */
	status: number;
	/** True when the same call may succeed later (timeouts, 429, 5xx). Default: false. */
	retryable?: boolean;
	/** The error that caused this one. */
	cause?: unknown;
	/** Extra, non-secret details for the client (e.g. the offending field). */
	details?: Record<string, unknown>;
	/** How long the failing side asked callers to wait before trying again (`Retry-After`), in ms. */
	retryAfterMs?: number;
}

export class MlError extends Error {
	readonly code: string;
	readonly status: number;
	readonly retryable: boolean;
	readonly details: Record<string, unknown> | undefined;
	readonly retryAfterMs: number | undefined;

	constructor(message: string, options: MlErrorOptions) {
		super(message, { cause: options.cause });
		this.name = 'MlError';
		this.code = options.code;
		this.status = options.status;
		this.retryable = options.retryable ?? false;
		this.details = options.details;
		this.retryAfterMs = options.retryAfterMs;
	}
}

/** The `Retry-After` (ms) an error or one of its causes carries, if any. */
export function retryAfterOf(error: unknown): number | undefined {
	let current: unknown = error;
	for (let depth = 0; current instanceof Error && depth < 5; depth++) {
		if (current instanceof MlError && current.retryAfterMs !== undefined) return current.retryAfterMs;
		current = current.cause;
	}
	return undefined;
}

/** The base of an error with one code and HTTP status, built from a message and optional details. */
function errorKind(name: string, code: string, status: number) {
	return class extends MlError {
		constructor(message: string, details?: Record<string, unknown>) {
			super(message, { code, status, details });
			this.name = name;
		}
	};
}

/** Bad input from a caller: 400. */
export class InvalidPayloadError extends errorKind('InvalidPayloadError', 'INVALID_PAYLOAD', 400) {}

/** A referenced thing (index, collection, model, job) does not exist: 404. */
export class NotFoundError extends errorKind('NotFoundError', 'NOT_FOUND', 404) {}

/** The caller may not do this: 403. */
export class ForbiddenError extends MlError {
	constructor(message = 'You do not have permission to access this resource.') {
		super(message, { code: 'FORBIDDEN', status: 403 });
		this.name = 'ForbiddenError';
	}
}

/**
 * Directus's one answer for something that does not exist and for something the caller may not
 * read (403 `FORBIDDEN`, as `/items/<collection>/<key>` answers), so a response never tells a
 * caller whether a hidden index, collection or item exists.
 */
export function notFoundOrForbidden(what: string): ForbiddenError {
	return new ForbiddenError(`You don't have permission to access ${what} or it does not exist.`);
}

/** A capability is not configured (e.g. no chat model): 503 with a message saying what to set. */
export class NotConfiguredError extends errorKind('NotConfiguredError', 'NOT_CONFIGURED', 503) {}

/** Input too large for the model or the route: 413. */
export class PayloadTooLargeError extends errorKind('PayloadTooLargeError', 'PAYLOAD_TOO_LARGE', 413) {}

/** A remote provider failed. `retryable` follows the HTTP status (408/409/429/5xx, network errors). */
export class ProviderError extends MlError {
	readonly provider: string;
	readonly statusCode: number | undefined;
	readonly responseBody: string | undefined;

	constructor(
		message: string,
		options: { provider: string; statusCode?: number; responseBody?: string; retryable: boolean; cause?: unknown; code?: string; retryAfterMs?: number },
	) {
		const code = options.code ?? (options.statusCode === 429 ? 'PROVIDER_RATE_LIMITED' : 'PROVIDER_ERROR');
		super(message, {
			code,
			// A provider that does not answer is a gateway timeout; one that cannot be reached (or whose
			// circuit is open) makes the service unavailable; anything else it answered is a bad gateway.
			status: options.statusCode === 429 ? 429 : code === 'PROVIDER_TIMEOUT' ? 504 : code === 'PROVIDER_UNREACHABLE' || code === 'PROVIDER_CIRCUIT_OPEN' ? 503 : 502,
			retryable: options.retryable,
			cause: options.cause,
			retryAfterMs: options.retryAfterMs,
		});
		this.name = 'ProviderError';
		this.provider = options.provider;
		this.statusCode = options.statusCode;
		this.responseBody = options.responseBody;
	}
}

/** True for HTTP statuses where a retry can help. */
export function isRetryableStatus(status: number | undefined): boolean {
	if (status === undefined) return true; // network error, no response
	return status === 408 || status === 409 || status === 429 || status >= 500;
}

export function isMlError(error: unknown): error is MlError {
	return error instanceof MlError;
}
