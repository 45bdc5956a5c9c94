import { Agent, errors, interceptors, type Dispatcher } from 'undici';

export interface ModelServerFetchOptions {
	/** Used for what this fetch leaves alone (non-buffer bodies, Request objects, other schemes, redirects). Default: the global `fetch`. */
	fallback?: typeof fetch;
	/** Keep-alive connections per model server. Default: 64. */
	connections?: number;
}

const REDIRECT = new Set([301, 302, 303, 307, 308]);
const NULL_BODY = new Set([101, 204, 205, 304]);

/**
 * A `fetch` for the OpenAI SDK's calls to model servers, on undici's dispatcher API with a
 * keep-alive agent (issue 16). Node's built-in `fetch` is undici behind the WHATWG API: its
 * request and body streams were 19% of the CPU of a `/ml/embeddings/generate` call in the profile.
 * The request goes out in one write (a string or byte body) and a handler collects the answer's
 * chunks into one buffer before the `Response` is built — no body stream, no per-call async
 * resource or promise chain as undici's `request` API makes (≈ 0.03–0.05 ms per call less client
 * CPU in a plain-Node measurement); `text/event-stream` answers stream. A compressed answer is
 * decoded (undici's decompress interceptor). Anything else — a `Request` object, a
 * FormData/Blob/stream body, a scheme other than http(s), a redirect — goes to `fallback`, so
 * behaviour matches the global fetch.
 */
export function createModelServerFetch(options: ModelServerFetchOptions = {}): typeof fetch {
	const fallback = options.fallback ?? ((input, init) => globalThis.fetch(input, init));
	// A server that compresses anyway is decoded, as by the global fetch.
	const dispatcher: Dispatcher = new Agent({ connections: options.connections ?? 64 }).compose(interceptors.decompress());

	return (input, init) => {
		const body = init?.body;
		const plainBody = body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
		const url = typeof input === 'string' ? input : input instanceof URL ? input.href : null;
		if (!plainBody || url === null || !(url.startsWith('http://') || url.startsWith('https://'))) return fallback(input, init);
		return new Promise<Response>((resolve, reject) => {
			const call = new Call(input, init, url, fallback, resolve, reject);
			let target: URL;
			try {
				target = new URL(url);
			} catch (error) {
				call.onResponseError(null, error as Error);
				return;
			}
			if (call.finished) return;
			dispatcher.dispatch(
				{
					origin: target.origin,
					path: `${target.pathname}${target.search}`,
					method: (init?.method ?? 'GET') as Dispatcher.HttpMethod,
					headers: requestHeaders(init?.headers),
					body: body ?? null,
				},
				call,
			);
		});
	};
}

/**
 * The request headers as undici takes them: a flat list of names and values. A `Headers` (what
 * the SDK passes) is read as it is; a plain object or a list of pairs (the direct embedding call
 * passes one constant object) is not copied into a `Headers` first — undici checks names and values.
 */
function requestHeaders(headers: HeadersInit | undefined): string[] {
	const flat: string[] = [];
	if (headers === undefined) return flat;
	if (headers instanceof Headers) {
		for (const [name, value] of headers) flat.push(name, value);
	} else if (Array.isArray(headers)) {
		for (const [name, value] of headers as [string, string][]) flat.push(name, value);
	} else {
		for (const name in headers) flat.push(name, (headers as Record<string, string>)[name]!);
	}
	return flat;
}

/** Response headers as a list of name–value pairs, one per value of a repeated header. */
function pairs(headers: Record<string, string | string[] | undefined>): [string, string][] {
	const list: [string, string][] = [];
	for (const name in headers) {
		const value = headers[name];
		if (Array.isArray(value)) for (const v of value) list.push([name, v]);
		else if (value !== undefined) list.push([name, value]);
	}
	return list;
}

/**
 * One upstream call: undici's handler for it, and the settling of `fetch`'s promise. The answer's
 * chunks are collected (one chunk, the usual case, is kept as it came); an event stream is handed
 * on as it arrives, paused while its reader does not keep up.
 */
class Call implements Dispatcher.DispatchHandler {
	private controller: Dispatcher.DispatchController | null = null;
	private settled = false;
	private status = 0;
	private headers: Record<string, string> | [string, string][] | null = null;
	/** What the answer's body goes to: collected, dropped (a redirect or a body-less answer) or streamed. */
	private mode: 'buffer' | 'drop' | 'redirect' | 'stream' = 'buffer';
	private chunks: Buffer[] = [];
	private stream: ReadableStreamDefaultController<Uint8Array> | null = null;
	private readonly signal: AbortSignal | undefined;
	private readonly onAbort: (() => void) | undefined;

	constructor(
		private readonly input: string | URL | Request,
		private readonly init: RequestInit | undefined,
		private readonly url: string,
		private readonly fallback: typeof fetch,
		private readonly resolve: (response: Response | Promise<Response>) => void,
		private readonly reject: (error: unknown) => void,
	) {
		const signal = init?.signal ?? undefined;
		this.signal = signal;
		if (!signal) return;
		if (signal.aborted) {
			this.fail(undefined);
			return;
		}
		this.onAbort = () => {
			const reason: unknown = signal.reason;
			this.controller?.abort(reason instanceof Error ? reason : new errors.RequestAbortedError());
			// Rejected at once, as fetch does; a request still waiting for a connection is aborted when it starts.
			this.fail(undefined);
		};
		signal.addEventListener('abort', this.onAbort, { once: true });
	}

	/** Whether the call has settled; before it is dispatched, only an aborted signal settles it. */
	get finished(): boolean {
		return this.settled;
	}

	onRequestStart(controller: Dispatcher.DispatchController): void {
		if (this.signal?.aborted) {
			controller.abort(this.signal.reason instanceof Error ? this.signal.reason : new errors.RequestAbortedError());
			return;
		}
		this.controller = controller;
	}

	onResponseStart(_controller: Dispatcher.DispatchController, status: number, headers: Record<string, string | string[] | undefined>): void {
		// An interim answer (100 Continue, 103 Early Hints): the final one follows.
		if (status < 200) return;
		if (this.settled) return;
		this.status = status;
		if (REDIRECT.has(status) && headers.location !== undefined && this.init?.redirect !== 'manual') {
			this.mode = 'redirect';
			return;
		}
		// Handed to the Response as a plain record (it builds its own Headers from it: one copy, not
		// two); a repeated header as a list of pairs, so each value stays its own.
		let responseHeaders: Record<string, string> | [string, string][] = {};
		for (const name in headers) {
			const value = headers[name];
			if (Array.isArray(value)) {
				responseHeaders = pairs(headers);
				break;
			}
			if (value !== undefined) responseHeaders[name] = value;
		}
		this.headers = responseHeaders;
		const contentType = headers['content-type'];
		if (NULL_BODY.has(status) || this.init?.method === 'HEAD') {
			this.mode = 'drop';
			return;
		}
		if (typeof contentType === 'string' && contentType.includes('text/event-stream')) {
			this.mode = 'stream';
			const body = new ReadableStream<Uint8Array>({
				start: (stream) => {
					this.stream = stream;
				},
				pull: () => this.controller?.resume(),
				cancel: (reason: unknown) => {
					this.stream = null;
					this.done();
					this.controller?.abort(reason instanceof Error ? reason : new errors.RequestAbortedError());
				},
			});
			this.settled = true;
			this.resolve(withUrl(new Response(body, { status, headers: responseHeaders }), this.url));
		}
	}

	onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
		if (this.mode === 'buffer') {
			this.chunks.push(chunk);
		} else if (this.mode === 'stream' && this.stream) {
			this.stream.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
			if ((this.stream.desiredSize ?? 1) <= 0) controller.pause();
		}
	}

	onResponseEnd(): void {
		if (this.mode === 'stream') {
			this.stream?.close();
			this.stream = null;
			this.done();
			return;
		}
		if (this.settled) return;
		this.done();
		if (this.mode === 'redirect') {
			this.settled = true;
			this.resolve(this.fallback(this.input, this.init));
			return;
		}
		const responseInit = { status: this.status, headers: this.headers! };
		const { chunks } = this;
		let response: Response;
		try {
			response =
				this.mode === 'drop'
					? new Response(null, responseInit)
					: new BufferedResponse((chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)) as Buffer<ArrayBuffer>, responseInit);
		} catch (error) {
			this.fail(error);
			return;
		}
		this.settled = true;
		this.resolve(withUrl(response, this.url));
	}

	onResponseError(_controller: Dispatcher.DispatchController | null, error: Error): void {
		if (this.mode === 'stream' && this.stream) {
			this.stream.error(fetchError(error, this.signal));
			this.stream = null;
			this.done();
			return;
		}
		this.fail(error);
	}

	/** Rejects the call (once): with the signal's reason when it aborted, else as fetch reports a network error. */
	private fail(error: unknown): void {
		if (this.mode === 'stream' && this.stream) {
			this.stream.error(fetchError(error, this.signal));
			this.stream = null;
		}
		this.done();
		if (this.settled) return;
		this.settled = true;
		this.reject(fetchError(error, this.signal));
	}

	/** The call is over: its abort listener goes. */
	private done(): void {
		if (this.onAbort) this.signal?.removeEventListener('abort', this.onAbort);
	}
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
