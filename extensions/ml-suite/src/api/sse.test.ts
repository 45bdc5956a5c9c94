import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { openSse, type SseWriter } from './sse.js';

const servers: Server[] = [];

afterEach(async () => {
	await Promise.all(servers.splice(0).map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
});

async function serve(handler: (res: ServerResponse) => void): Promise<string> {
	const server = createServer((_req, res) => handler(res));
	servers.push(server);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

describe('openSse', () => {
	it('sets streaming headers and frames events, multi-line data and comments', async () => {
		const url = await serve((res) => {
			const sse = openSse(res, { heartbeatMs: 0 });
			sse.send({ text: 'hi' }, 'token');
			sse.send('line one\nline two');
			sse.comment('note');
			sse.send('[DONE]');
			sse.end();
			sse.send('after end is ignored');
		});
		const response = await fetch(url);
		expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
		expect(response.headers.get('x-accel-buffering')).toBe('no');
		expect(response.headers.get('cache-control')).toBe('no-cache, no-transform');
		expect(await response.text()).toBe('event: token\ndata: {"text":"hi"}\n\ndata: line one\ndata: line two\n\n: note\n\ndata: [DONE]\n\n');
	});

	it('sends heartbeat comments while idle', async () => {
		// Only intervals are faked (the heartbeat): the HTTP exchange runs on real I/O, and 90 ms
		// of idle time pass at once however loaded the machine is.
		vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
		try {
			const url = await serve((res) => {
				const sse = openSse(res, { heartbeatMs: 20 });
				vi.advanceTimersByTime(90);
				sse.end();
				vi.advanceTimersByTime(100);
			});
			const body = await (await fetch(url)).text();
			expect(body.match(/: ping\n\n/g)?.length ?? 0).toBeGreaterThanOrEqual(2);
			// Four intervals in 90 ms, none after the end.
			expect(body).toBe(': ping\n\n'.repeat(4));
		} finally {
			vi.useRealTimers();
		}
	});

	it('aborts its signal when the client disconnects, but not after a normal end', async () => {
		let writer: SseWriter | undefined;
		const aborted = new Promise<boolean>((resolve) => {
			void serve((res) => {
				writer = openSse(res, { heartbeatMs: 0 });
				writer.send({ first: true });
				writer.signal.addEventListener('abort', () => resolve(true));
			}).then(async (url) => {
				const client = new AbortController();
				const response = await fetch(url, { signal: client.signal });
				const reader = response.body?.getReader();
				await reader?.read();
				client.abort();
			});
		});
		expect(await aborted).toBe(true);
		expect(writer?.closed).toBe(true);

		let finished: SseWriter | undefined;
		const url = await serve((res) => {
			finished = openSse(res, { heartbeatMs: 0 });
			finished.end();
		});
		await (await fetch(url)).text();
		expect(finished?.signal.aborted).toBe(false);
	});
});
