import type { AskRequestBody, RagStreamEvent } from '../../../shared/rag-types.js';
import { createParser } from 'eventsource-parser';

export interface StreamAskOptions {
	/** Absolute or root-relative URL of `POST /ml/ask`. */
	url: string;
	body: AskRequestBody;
	/** Extra headers, e.g. the app's `Authorization` when it uses bearer tokens. */
	headers?: Record<string, string>;
	signal?: AbortSignal;
	onEvent: (event: RagStreamEvent) => void;
	/** For tests. Default: the global `fetch`. */
	fetch?: typeof fetch;
}

/**
 * Asks with `stream: true` and hands each `RagStreamEvent` to `onEvent`. axios (the app's
 * `useApi()`) cannot read a response body as it arrives, so this uses fetch, sending the
 * session cookie (`credentials: 'include'`) and any auth header the app uses.
 * @throws Error with the server's message when the request is refused before streaming.
 */
export async function streamAsk(options: StreamAskOptions): Promise<void> {
	const doFetch = options.fetch ?? globalThis.fetch.bind(globalThis);
	const response = await doFetch(options.url, {
		method: 'POST',
		credentials: 'include',
		headers: { 'Content-Type': 'application/json', Accept: 'text/event-stream', ...options.headers },
		body: JSON.stringify({ ...options.body, stream: true }),
		signal: options.signal,
	});
	if (!response.ok) throw new Error(await errorMessage(response));
	if (!response.body || !(response.headers.get('content-type') ?? '').includes('text/event-stream')) {
		throw new Error(`Expected an event stream, got ${response.headers.get('content-type') ?? 'no content type'}.`);
	}
	await readEvents(response.body, (data) => {
		let parsed: unknown;
		try {
			parsed = JSON.parse(data);
		} catch {
			return;
		}
		if (parsed !== null && typeof parsed === 'object' && typeof (parsed as { type?: unknown }).type === 'string') {
			options.onEvent(parsed as RagStreamEvent);
		}
	});
}

/**
 * Reads a fetch body as Server-Sent Events (`eventsource-parser`, the parser the SDK uses too),
 * calling `onData` with each event's data. UTF-8 split across network chunks is decoded whole;
 * a last event the server left without its blank line is still delivered.
 */
async function readEvents(body: ReadableStream<Uint8Array>, onData: (data: string) => void): Promise<void> {
	const parser = createParser({ onEvent: (event) => onData(event.data) });
	const decoder = new TextDecoder();
	const reader = body.getReader();
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			parser.feed(decoder.decode(value, { stream: true }));
		}
		parser.feed(`${decoder.decode()}\n\n`);
	} finally {
		reader.releaseLock();
	}
}

/** The message of a Directus error body (`{errors: [{message}]}`), else the status line. */
export async function errorMessage(response: Response): Promise<string> {
	try {
		const body = (await response.json()) as { errors?: { message?: string }[] };
		const message = body.errors?.[0]?.message;
		if (message) return message;
	} catch {
		// Not JSON: fall through to the status.
	}
	return `Request failed with status ${response.status}${response.statusText ? ` ${response.statusText}` : ''}.`;
}
