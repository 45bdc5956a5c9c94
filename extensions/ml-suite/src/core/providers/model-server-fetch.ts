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
				// The SDK passes a Headers: its entries as they are (no copy into a second Headers first).
				headers: Object.fromEntries(init?.headers instanceof Headers ? init.headers : new Headers(init?.headers)),
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
 * A `Response` over a body already read into memory (issue 16). The SDK reads every answer with
 * `text()`: that decodes the bytes with `Buffer` — no body stream, no `TextDecoder` (≈ 11% of a
 * 32-text `/ml/embeddings/batch` call before) — and no web `ReadableStream` is built for a body
 * nobody streams (a standard `Response` over bytes costs ≈ 30–45 µs with its stream, ≈ 5 µs
 * without; `node` micro-benchmark). Everything else — `body`, `arrayBuffer`, `bytes`, `blob`,
 * `formData`, `clone` — goes to a standard `Response` over the same bytes, built on first use, so
 * the contract (one read, a second read or a clone after it fails) is the standard one.
 */
class BufferedResponse extends Response {
	private standard: Response | null = null;
	private consumed = false;

	constructor(
		private readonly buffered: Buffer<ArrayBuffer>,
		private readonly responseInit: ResponseInit,
	) {
		super(null, responseInit);
	}

	/** The standard Response over the bytes, once anything but `text()`/`json()` is asked of the body. */
	private full(): Response {
		this.standard ??= new Response(this.buffered, this.responseInit);
		if (this.consumed && !this.standard.bodyUsed) void this.standard.body?.cancel();
		return this.standard;
	}

	override get body(): ReadableStream<Uint8Array<ArrayBuffer>> | null {
		return this.full().body;
	}

	override get bodyUsed(): boolean {
		return this.consumed || (this.standard?.bodyUsed ?? false);
	}

	override text(): Promise<string> {
		if (this.standard || this.consumed) return this.full().text();
		this.consumed = true;
		return Promise.resolve(this.buffered.toString('utf8'));
	}

	override async json(): Promise<unknown> {
		return JSON.parse(await this.text()) as unknown;
	}

	override arrayBuffer(): Promise<ArrayBuffer> {
		return this.full().arrayBuffer();
	}

	override bytes(): Promise<Uint8Array<ArrayBuffer>> {
		return this.full().bytes();
	}

	override blob(): Promise<Blob> {
		return this.full().blob();
	}

	override formData(): Promise<FormData> {
		return this.full().formData();
	}

	override clone(): Response {
		if (this.bodyUsed) throw new TypeError('Response.clone: Body has already been consumed.');
		if (this.standard) return withUrl(this.standard.clone(), this.url);
		return withUrl(new BufferedResponse(this.buffered, this.responseInit), this.url);
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
