import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';

export interface NodeHttpFetchOptions {
	/** Used for what this fetch does not handle itself (non-buffer bodies, Request objects, other schemes). Default: the global `fetch`. */
	fallback?: typeof fetch;
	/** Sockets per upstream host. Default: 64. */
	maxSockets?: number;
}

const REDIRECT = new Set([301, 302, 303, 307, 308]);
const DECODERS: Record<string, () => NodeJS.ReadWriteStream> = {
	gzip: () => zlib.createGunzip(),
	'x-gzip': () => zlib.createGunzip(),
	deflate: () => zlib.createInflate(),
	br: () => zlib.createBrotliDecompress(),
};

/**
 * A `fetch` over `node:http`/`node:https` with keep-alive agents, for JSON calls to model servers
 * (issue 16). Node's built-in fetch (undici behind the WHATWG API) was 19% of the CPU of a
 * `/ml/embeddings/generate` call in the profile: request and body streams, the body written as an
 * async iterable in separate socket writes. Here a request with a string or byte body is one
 * `http.request` whose headers and body leave in one write, and the answer is read into one
 * buffer before the `Response` is built (bodies of `text/event-stream` answers stream instead).
 * Anything else — a `Request` object, a FormData/Blob/stream body, a scheme other than http(s),
 * a redirect — goes to `fallback`, so behaviour matches the global fetch.
 */
export function createNodeHttpFetch(options: NodeHttpFetchOptions = {}): typeof fetch {
	const fallback = options.fallback ?? ((input, init) => globalThis.fetch(input, init));
	const agentOptions = { keepAlive: true, maxSockets: options.maxSockets ?? 64, scheduling: 'lifo' as const };
	const agents = { 'http:': new http.Agent(agentOptions), 'https:': new https.Agent(agentOptions) };

	return async (input, init) => {
		const body = init?.body;
		const plainBody = body === undefined || body === null || typeof body === 'string' || body instanceof Uint8Array;
		const url = typeof input === 'string' ? input : input instanceof URL ? input.href : null;
		if (!plainBody || url === null || !(url.startsWith('http://') || url.startsWith('https://'))) return fallback(input, init);
		const signal = init?.signal ?? undefined;
		if (signal?.aborted) throw abortReason(signal);

		const headers = new Headers(init?.headers);
		// What this fetch does not decode is not asked for; gzip, deflate and br are.
		if (!headers.has('accept-encoding')) headers.set('accept-encoding', 'gzip, deflate, br');
		const payload = typeof body === 'string' ? Buffer.from(body) : (body ?? undefined);
		if (payload !== undefined) headers.set('content-length', String(payload.byteLength));
		const target = new URL(url);
		const agent = agents[target.protocol as 'http:' | 'https:'];
		const transport = target.protocol === 'https:' ? https : http;

		const send = (retryStale: boolean): Promise<http.IncomingMessage> =>
			new Promise<http.IncomingMessage>((resolve, reject) => {
				const req = transport.request(target, { method: init?.method ?? 'GET', headers: Object.fromEntries(headers), agent });
				let aborted = false;
				const onAbort = (): void => {
					aborted = true;
					req.destroy();
					reject(abortReason(signal!));
				};
				signal?.addEventListener('abort', onAbort, { once: true });
				req.once('response', (res) => {
					signal?.removeEventListener('abort', onAbort);
					resolve(res);
				});
				req.once('error', (error: NodeJS.ErrnoException) => {
					signal?.removeEventListener('abort', onAbort);
					if (aborted) return;
					// A kept-alive socket the server closed meanwhile: the request never reached it, send it once more.
					if (retryStale && req.reusedSocket && error.code === 'ECONNRESET') resolve(send(false));
					else reject(new TypeError('fetch failed', { cause: error }));
				});
				req.end(payload);
			});
		const response = await send(true);

		const status = response.statusCode ?? 0;
		if (REDIRECT.has(status) && response.headers.location && init?.redirect !== 'manual') {
			response.resume();
			return fallback(input, init);
		}
		const responseHeaders = new Headers();
		const raw = response.rawHeaders;
		for (let i = 0; i + 1 < raw.length; i += 2) responseHeaders.append(raw[i]!, raw[i + 1]!);
		const encoding = (response.headers['content-encoding'] ?? '').trim().toLowerCase();
		const decoder = DECODERS[encoding];
		const stream: Readable = decoder ? (response.pipe(decoder()) as unknown as Readable) : response;
		if (decoder) {
			response.once('error', (error) => stream.destroy(error));
			// The decoded body has another length and no encoding, as with the global fetch.
			responseHeaders.delete('content-encoding');
			responseHeaders.delete('content-length');
		}
		const init2 = { status, statusText: response.statusMessage ?? '', headers: responseHeaders };
		const nullBody = status === 204 || status === 304 || init?.method === 'HEAD';
		if (nullBody) {
			response.resume();
			return withUrl(new Response(null, init2), url);
		}
		if ((response.headers['content-type'] ?? '').includes('text/event-stream')) {
			const onAbort = (): void => {
				stream.destroy(abortReason(signal!) as Error);
			};
			signal?.addEventListener('abort', onAbort, { once: true });
			stream.once('close', () => signal?.removeEventListener('abort', onAbort));
			return withUrl(new Response(Readable.toWeb(stream) as ReadableStream<Uint8Array>, init2), url);
		}
		const bytes = await readAll(stream, signal);
		return withUrl(new Response(new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength), init2), url);
	};
}

/** The whole body; rejects with the abort reason when `signal` aborts first, as fetch's body readers do. */
function readAll(stream: Readable, signal: AbortSignal | undefined): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		const onAbort = (): void => {
			stream.destroy();
			reject(abortReason(signal!));
		};
		signal?.addEventListener('abort', onAbort, { once: true });
		stream.on('data', (chunk: Buffer) => chunks.push(chunk));
		stream.once('end', () => {
			signal?.removeEventListener('abort', onAbort);
			resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
		});
		stream.once('error', (error) => {
			signal?.removeEventListener('abort', onAbort);
			// As undici reports a body cut off mid-way.
			reject(new TypeError('terminated', { cause: error }));
		});
	});
}

function withUrl(response: Response, url: string): Response {
	Object.defineProperty(response, 'url', { value: url });
	return response;
}

function abortReason(signal: AbortSignal): unknown {
	return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

let shared: typeof fetch | undefined;

/** One instance per process, so every model server client shares its kept-alive sockets. */
export function sharedNodeHttpFetch(): typeof fetch {
	shared ??= createNodeHttpFetch();
	return shared;
}
