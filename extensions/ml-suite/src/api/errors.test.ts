import { PassThrough } from 'node:stream';
import { describe, expect, it, vi } from 'vitest';
import { InvalidPayloadError, ProviderError } from '../core/errors.js';
import { sendError, toErrorBody } from './errors.js';

describe('toErrorBody', () => {
	it("maps the suite's errors to Directus's error format with their code and details", () => {
		expect(toErrorBody(new InvalidPayloadError('"query" must not be empty.', { field: 'query' }))).toEqual({
			status: 400,
			body: { errors: [{ message: '"query" must not be empty.', extensions: { code: 'INVALID_PAYLOAD', field: 'query' } }] },
		});
	});

	it("keeps Directus's own service errors (status, code, extensions) as they are", () => {
		const directusError = Object.assign(new Error('You do not have permission to access this.'), { status: 403, code: 'FORBIDDEN', extensions: { reason: 'policy' } });
		expect(toErrorBody(directusError)).toEqual({ status: 403, body: { errors: [{ message: 'You do not have permission to access this.', extensions: { code: 'FORBIDDEN', reason: 'policy' } }] } });
	});

	it('answers malformed JSON with 400', () => {
		let syntax: unknown;
		try {
			JSON.parse('{');
		} catch (error) {
			syntax = error;
		}
		const { status, body } = toErrorBody(syntax);
		expect(status).toBe(400);
		expect(body.errors[0]?.extensions.code).toBe('INVALID_PAYLOAD');
		expect(body.errors[0]?.message).toMatch(/^Malformed JSON: /);
	});

	it('never leaks the message of an unexpected error', () => {
		const { status, body } = toErrorBody(new Error('connect ECONNREFUSED postgres://admin:hunter2@db'));
		expect(status).toBe(500);
		expect(JSON.stringify(body)).not.toContain('hunter2');
		expect(body.errors[0]).toEqual({ message: 'An unexpected error occurred.', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
	});
});

/** The parts of an express Response that sendError uses, over a real writable stream. */
function fakeResponse(headersSent: boolean) {
	const stream = new PassThrough();
	const chunks: string[] = [];
	stream.on('data', (c: Buffer) => chunks.push(c.toString()));
	const res = {
		headersSent,
		get writableEnded() {
			return stream.writableEnded;
		},
		statusCode: 0,
		sent: undefined as unknown,
		write: (chunk: string) => stream.write(chunk),
		end: () => stream.end(),
		status(code: number) {
			res.statusCode = code;
			return res;
		},
		json(body: unknown) {
			res.sent = body;
			return res;
		},
	};
	return { res, text: () => chunks.join('') };
}

describe('sendError', () => {
	it('answers with the mapped status and body, and logs only server-side failures', () => {
		const log = vi.fn();
		const logger = { error: log };
		const client = fakeResponse(false);
		sendError(client.res as never, new InvalidPayloadError('bad'), undefined, logger);
		expect(client.res.statusCode).toBe(400);
		expect(log).not.toHaveBeenCalled();

		const server = fakeResponse(false);
		const cause = new ProviderError('upstream 500', { provider: 'openai', statusCode: 500, retryable: true });
		sendError(server.res as never, cause, { method: 'POST', originalUrl: '/ml/search' } as never, logger);
		expect(server.res.statusCode).toBe(502);
		expect(log).toHaveBeenCalledWith(cause, 'ML route failed: POST /ml/search');
	});

	it('ends a stream that already started with an SSE error event instead of hanging', async () => {
		const { res, text } = fakeResponse(true);
		sendError(res as never, new ProviderError('upstream went away', { provider: 'openai', code: 'PROVIDER_UNREACHABLE', retryable: true }));
		await new Promise((r) => setImmediate(r));
		expect(res.writableEnded).toBe(true);
		expect(text()).toBe(`event: error\ndata: ${JSON.stringify({ message: 'upstream went away', extensions: { code: 'PROVIDER_UNREACHABLE' } })}\n\n`);
		expect(res.sent).toBeUndefined();
	});
});
