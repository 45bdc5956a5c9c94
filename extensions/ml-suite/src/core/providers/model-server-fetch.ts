import { Readable } from 'node:stream';
import { Agent, errors, interceptors, request, type Dispatcher } from 'undici';

export interface ModelServerFetchOptions {
	/** Used for what this fetch leaves alone (non-buffer bodies, Request objects, other schemes, redirects). Default: the global `fetch`. */
	fallback?: typeof fetch;
	/** Keep-alive connections per model server. Default: 64. */
	connections?: number;
}

const REDIRECT = new Set([301, 302, 303, 307, 308]);
const NULL_BODY = new Set([101, 204, 205, 304]);

/**
 * A `fetch` for the OpenAI SDK's calls to model servers, on undici's `request` API with a
 * keep-alive agent (issue 16). Node's built-in `fetch` is undici behind the WHATWG API: its
 * request and body streams were 19% of the CPU of a `/ml/embeddings/generate` call in the profile.
 * undici's `request` sends a string or byte body in one write and reads the answer into one
 * buffer before the `Response` is built; `text/event-stream` answers stream. Anything else — a
 * `Request` object, a FormData/Blob/stream body, a scheme other than http(s), a redirect — goes
 * to `fallback`, so behaviour matches the global fetch.
 */
export function createModelServerFetch(options: ModelServerFetchOptions = {}): typeof fetch {
	const fallback = options.fallback ?? ((input, init) => globalThis.fetch(input, init));
	// A server that compresses anyway is decoded, as by the global fetch.
	const dispatcher: Dispatcher = new Agent({ connections: options.connections ?? 64 }).compose(interceptors.decompress());

	return async (input, init) => {
		const body = init?.body;
		const plainBody = body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
		const url = typeof input === 'string' ? input : input instanceof URL ? input.href : null;
		if (!plainBody || url === null || !(url.startsWith('http://') || url.startsWith('https://'))) return fallback(input, init);
		const signal = init?.signal ?? undefined;
		let answer: Dispatcher.ResponseData;
		try {
			answer = await request(url, {
				method: (init?.method ?? 'GET') as Dispatcher.HttpMethod,
				headers: Object.fromEntries(new Headers(init?.headers)),
				body: body ?? undefined,
				signal,
				dispatcher,
			});
		} catch (error) {
			throw fetchError(error, signal);
		}
		const { statusCode: status, headers, body: stream } = answer;
		if (REDIRECT.has(status) && headers.location && init?.redirect !== 'manual') {
			await stream.dump();
			return fallback(input, init);
		}
		const responseHeaders = new Headers();
		for (const [name, value] of Object.entries(headers)) {
			if (Array.isArray(value)) for (const v of value) responseHeaders.append(name, v);
			else if (value !== undefined) responseHeaders.set(name, value);
		}
		const responseInit = { status, headers: responseHeaders };
		if (NULL_BODY.has(status) || init?.method === 'HEAD') {
			await stream.dump();
			return withUrl(new Response(null, responseInit), url);
		}
		if ((responseHeaders.get('content-type') ?? '').includes('text/event-stream')) {
			return withUrl(new Response(Readable.toWeb(stream) as ReadableStream<Uint8Array>, responseInit), url);
		}
		try {
			return withUrl(new BufferedResponse(Buffer.from(await stream.arrayBuffer()), responseInit), url);
		} catch (error) {
			throw fetchError(error, signal);
		}
	};
}

/**
 * A `Response` over a body already read into memory whose `text()` and `json()` decode the bytes
 * with `Buffer` instead of reading them back through the body stream and a `TextDecoder` (the
 * SDK reads every answer with `text()`): in a 32-text `/ml/embeddings/batch` profile that
 * stream read and decode were ≈ 11% of the call's CPU (issue 16). Everything else (`body`,
 * `arrayBuffer`, `clone`, a second read failing) is the standard `Response`'s.
 */
class BufferedResponse extends Response {
	constructor(
		private readonly buffered: Buffer<ArrayBuffer>,
		init: ResponseInit,
	) {
		super(buffered, init);
	}

	override text(): Promise<string> {
		if (this.bodyUsed || this.body === null || this.body.locked) return super.text();
		// Marks the body used, as reading it would: a second read fails as with any Response.
		void this.body.cancel();
		return Promise.resolve(this.buffered.toString('utf8'));
	}

	override async json(): Promise<unknown> {
		return JSON.parse(await this.text()) as unknown;
	}
}

/** As fetch reports them: the signal's reason when it aborted, else `TypeError('fetch failed')` with the cause. */
function fetchError(error: unknown, signal: AbortSignal | undefined): unknown {
	if (signal?.aborted) return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
	if (error instanceof errors.RequestAbortedError) return new DOMException('This operation was aborted', 'AbortError');
	return new TypeError('fetch failed', { cause: error });
}

function withUrl(response: Response, url: string): Response {
	Object.defineProperty(response, 'url', { value: url });
	return response;
}

let shared: typeof fetch | undefined;

/** One instance per process, so every model server client shares its kept-alive connections. */
export function sharedModelServerFetch(): typeof fetch {
	shared ??= createModelServerFetch();
	return shared;
}
