import type { ServerResponse } from 'node:http';

export interface SseOptions {
	/** Interval of `: ping` comments that keep proxies from closing an idle stream, in ms. 0 = none. Default: 15000. */
	heartbeatMs?: number;
	/** HTTP status of the stream. Default: 200. */
	status?: number;
}

export interface SseWriter {
	/** Sends one event. Objects are JSON-encoded; strings are sent as they are (e.g. `[DONE]`). No-op once closed. */
	send(data: unknown, event?: string): void;
	/** Sends a comment line, ignored by clients. */
	comment(text: string): void;
	/** Ends the response. Idempotent. */
	end(): void;
	/** True once ended or once the client went away. */
	readonly closed: boolean;
	/** Aborted when the client disconnects before `end()`: pass it to provider calls. */
	readonly signal: AbortSignal;
}

/**
 * Opens a Server-Sent Events response. Works on express's `res` (a `ServerResponse`); uses only
 * the node API so it can be tested on a bare http server.
 */
export function openSse(res: ServerResponse, options: SseOptions = {}): SseWriter {
	const controller = new AbortController();
	let closed = false;

	res.statusCode = options.status ?? 200;
	res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
	res.setHeader('Cache-Control', 'no-cache, no-transform');
	res.setHeader('Connection', 'keep-alive');
	// nginx buffers proxied responses by default, which would hold every token until the end.
	res.setHeader('X-Accel-Buffering', 'no');
	res.flushHeaders();

	const write = (chunk: string): void => {
		if (closed) return;
		res.write(chunk);
		// The compression middleware buffers writes unless told to flush.
		(res as ServerResponse & { flush?: () => void }).flush?.();
	};

	const heartbeatMs = options.heartbeatMs ?? 15_000;
	const heartbeat = heartbeatMs > 0 ? setInterval(() => write(': ping\n\n'), heartbeatMs) : undefined;
	heartbeat?.unref();

	const finish = (): void => {
		if (closed) return;
		closed = true;
		if (heartbeat) clearInterval(heartbeat);
	};

	res.on('close', () => {
		const abandoned = !closed;
		finish();
		if (abandoned) controller.abort();
	});

	return {
		send(data, event) {
			const payload = typeof data === 'string' ? data : JSON.stringify(data);
			const lines = payload.split(/\r\n|\r|\n/).map((line) => `data: ${line}\n`);
			write(`${event ? `event: ${event.replace(/[\r\n]/g, '')}\n` : ''}${lines.join('')}\n`);
		},
		comment(text) {
			write(
				text
					.split(/\r\n|\r|\n/)
					.map((line) => `: ${line}\n`)
					.join('') + '\n',
			);
		},
		end() {
			if (closed) return;
			finish();
			res.end();
		},
		get closed() {
			return closed;
		},
		signal: controller.signal,
	};
}
