/** One Server-Sent Event. `event` defaults to `message`, as in the EventSource spec. */
export interface SseEvent {
	event: string;
	data: string;
}

export interface SseParser {
	/** Feeds a decoded chunk (which may end mid-line) and returns the events it completed. */
	push(chunk: string): SseEvent[];
	/** Returns an event left unterminated at the end of the stream, if any. */
	end(): SseEvent[];
}

/**
 * Incremental SSE parser (the `text/event-stream` rules): lines end with CRLF, LF or CR; a blank
 * line dispatches; `data:` lines join with newlines; one space after the colon is dropped;
 * comment lines (`:`) and `id:`/`retry:` fields are ignored.
 */
export function createSseParser(): SseParser {
	let buffer = '';
	let event = '';
	let data: string[] = [];
	let hasData = false;

	const dispatch = (out: SseEvent[]): void => {
		if (hasData) out.push({ event: event || 'message', data: data.join('\n') });
		event = '';
		data = [];
		hasData = false;
	};

	const line = (text: string, out: SseEvent[]): void => {
		if (text === '') return dispatch(out);
		if (text.startsWith(':')) return;
		const colon = text.indexOf(':');
		const field = colon === -1 ? text : text.slice(0, colon);
		let value = colon === -1 ? '' : text.slice(colon + 1);
		if (value.startsWith(' ')) value = value.slice(1);
		if (field === 'event') event = value;
		else if (field === 'data') {
			data.push(value);
			hasData = true;
		}
	};

	return {
		push(chunk) {
			const out: SseEvent[] = [];
			buffer += chunk;
			for (;;) {
				const match = /\r\n|\r|\n/.exec(buffer);
				if (!match) break;
				// A lone CR at the very end may be the first half of CRLF: wait for more input.
				if (match[0] === '\r' && match.index === buffer.length - 1) break;
				line(buffer.slice(0, match.index), out);
				buffer = buffer.slice(match.index + match[0].length);
			}
			return out;
		},
		end() {
			const out: SseEvent[] = [];
			if (buffer !== '') line(buffer.replace(/\r$/, ''), out);
			buffer = '';
			dispatch(out);
			return out;
		},
	};
}

/** Reads a fetch body as SSE, calling `onEvent` for each event until the stream ends. */
export async function readSse(body: ReadableStream<Uint8Array>, onEvent: (event: SseEvent) => void): Promise<void> {
	const parser = createSseParser();
	const decoder = new TextDecoder();
	const reader = body.getReader();
	try {
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			for (const event of parser.push(decoder.decode(value, { stream: true }))) onEvent(event);
		}
		for (const event of parser.push(decoder.decode())) onEvent(event);
		for (const event of parser.end()) onEvent(event);
	} finally {
		reader.releaseLock();
	}
}
