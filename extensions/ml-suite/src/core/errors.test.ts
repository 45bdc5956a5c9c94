import { describe, expect, it } from 'vitest';
import { ForbiddenError, InvalidPayloadError, isMlError, isRetryableStatus, MlError, NotConfiguredError, NotFoundError, notFoundOrForbidden, PayloadTooLargeError, ProviderError, retryAfterOf } from './errors.js';

describe('ProviderError status mapping', () => {
	const statusOf = (options: Partial<ConstructorParameters<typeof ProviderError>[1]>) =>
		new ProviderError('upstream failed', { provider: 'openai', retryable: true, ...options }).status;

	it('maps what the provider did to the status a caller sees', () => {
		expect(statusOf({ statusCode: 429 })).toBe(429);
		expect(new ProviderError('x', { provider: 'openai', statusCode: 429, retryable: true }).code).toBe('PROVIDER_RATE_LIMITED');
		expect(statusOf({ code: 'PROVIDER_TIMEOUT' })).toBe(504);
		expect(statusOf({ code: 'PROVIDER_UNREACHABLE' })).toBe(503);
		expect(statusOf({ code: 'PROVIDER_CIRCUIT_OPEN' })).toBe(503);
		expect(statusOf({ statusCode: 500 })).toBe(502);
		expect(statusOf({ statusCode: 401, retryable: false })).toBe(502);
	});
});

describe('retryAfterOf', () => {
	it('finds Retry-After on the error or on a cause up to five levels down', () => {
		const limited = new ProviderError('slow down', { provider: 'openai', statusCode: 429, retryable: true, retryAfterMs: 3_600_000 });
		expect(retryAfterOf(limited)).toBe(3_600_000);
		const wrapped = new MlError('job failed', { code: 'JOB_FAILED', status: 500, cause: new Error('attempt', { cause: limited }) });
		expect(retryAfterOf(wrapped)).toBe(3_600_000);
		let deep: Error = limited;
		for (let i = 0; i < 5; i++) deep = new Error(`level ${i}`, { cause: deep });
		expect(retryAfterOf(deep)).toBeUndefined();
		expect(retryAfterOf(new Error('plain'))).toBeUndefined();
		expect(retryAfterOf('not an error')).toBeUndefined();
	});
});

describe('isRetryableStatus', () => {
	it('retries network failures, 408, 409, 429 and 5xx only', () => {
		expect([undefined, 408, 409, 429, 500, 502, 503, 504].map(isRetryableStatus)).toEqual(Array(8).fill(true));
		expect([400, 401, 403, 404, 413, 422].map(isRetryableStatus)).toEqual(Array(6).fill(false));
	});
});

describe('client errors', () => {
	it('carry a code, a status and details naming the field', () => {
		const error = new InvalidPayloadError('"limit" must be at most 100.', { field: 'limit' });
		expect(error).toMatchObject({ code: 'INVALID_PAYLOAD', status: 400, retryable: false, details: { field: 'limit' } });
	});

	it('answer "forbidden or does not exist" the same way for both', () => {
		const error = notFoundOrForbidden('index "secrets"');
		expect(error).toBeInstanceOf(ForbiddenError);
		expect(error).toMatchObject({ status: 403, code: 'FORBIDDEN', message: `You don't have permission to access index "secrets" or it does not exist.` });
	});
});

describe('MlError and its subclasses', () => {
	it('default to not retryable, keep their cause, and map to one code and status each', () => {
		const cause = new Error('socket hang up');
		const error = new MlError('wrapped', { code: 'X', status: 500, cause });
		expect(error).toMatchObject({ name: 'MlError', code: 'X', status: 500, retryable: false, retryAfterMs: undefined });
		expect(error.cause).toBe(cause);
		expect([new NotFoundError('no index'), new NotConfiguredError('no chat model'), new PayloadTooLargeError('too long'), new ForbiddenError()].map((e) => [e.name, e.code, e.status])).toEqual([
			['NotFoundError', 'NOT_FOUND', 404],
			['NotConfiguredError', 'NOT_CONFIGURED', 503],
			['PayloadTooLargeError', 'PAYLOAD_TOO_LARGE', 413],
			['ForbiddenError', 'FORBIDDEN', 403],
		]);
	});

	it('isMlError tells the suite’s errors from anything else', () => {
		expect(isMlError(new InvalidPayloadError('bad'))).toBe(true);
		expect(isMlError(new ProviderError('down', { provider: 'openai', retryable: true }))).toBe(true);
		expect(isMlError(new Error('plain'))).toBe(false);
		expect(isMlError({ code: 'NOT_FOUND', status: 404 })).toBe(false);
	});
});
