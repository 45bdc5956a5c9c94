import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelServerFetch } from './model-server-fetch.js';

/** The model-server fetch answers as the global fetch does for what the model clients send. */
describe('createModelServerFetch', () => {
	let server: Server;
	let base: string;
	const seen: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[] = [];

	beforeAll(async () => {
		server = createServer((req: IncomingMessage, res: ServerResponse) => {
			let body = '';
			req.on('data', (c: Buffer) => (body += c.toString()));
			req.on('end', () => {
				seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
				if (req.url === '/gzip') {
					res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gzipSync('{"zipped":true}'));
				} else if (req.url === '/slow') {
					setTimeout(() => res.writeHead(200).end('late'), 2000).unref();
				} else if (req.url === '/moved') {
					res.writeHead(307, { location: '/json' }).end();
				} else if (req.url === '/chunks') {
					// A body written in pieces, flushed apart: the answer arrives in several chunks.
					res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] });
					const parts = ['{"parts":[', `"${'x'.repeat(70_000)}",`, '"end"]}'];
					res.write(parts[0]);
					setTimeout(() => res.write(parts[1]), 5);
					setTimeout(() => res.end(parts[2]), 10);
				} else if (req.url === '/hints') {
					res.writeEarlyHints({ link: '</style.css>; rel=preload; as=style' });
					res.writeHead(200, { 'content-type': 'application/json' }).end('{"after":"hints"}');
				} else if (req.url === '/empty') {
					res.writeHead(204, { 'x-answer': 'none' }).end();
				} else if (req.url === '/endless') {
					res.writeHead(200, { 'content-type': 'text/event-stream' });
					res.write('data: first\n\n');
					const timer = setInterval(() => res.write('data: more\n\n'), 20);
					res.on('close', () => clearInterval(timer));
				} else if (req.url === '/stream') {
					res.writeHead(200, { 'content-type': 'text/event-stream' });
					res.write('data: 1\n\n');
					setTimeout(() => res.end('data: 2\n\n'), 20);
				} else {
					res.writeHead(req.url === '/missing' ? 404 : 200, { 'content-type': 'application/json', 'x-answer': '42' }).end(JSON.stringify({ echo: body }));
				}
			});
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	});
	afterAll(async () => {
		server.closeAllConnections();
		await new Promise<void>((resolve) => server.close(() => resolve()));
	});

	it('sends method, headers and a string body, and answers status, headers, url and body', async () => {
		const fetch = createModelServerFetch();
		const response = await fetch(`${base}/json`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer k' }, body: '{"input":["a"]}' });
		expect(response.status).toBe(200);
		expect(response.ok).toBe(true);
		expect(response.url).toBe(`${base}/json`);
		expect(response.headers.get('x-answer')).toBe('42');
		expect(await response.json()).toEqual({ echo: '{"input":["a"]}' });
		const request = seen.at(-1)!;
		expect(request).toMatchObject({ method: 'POST', url: '/json', body: '{"input":["a"]}' });
		expect(request.headers).toMatchObject({ authorization: 'Bearer k', 'content-length': '15' });
		// Nothing asks for compression: the answer is not compressed only to be decoded again.
		expect(request.headers['accept-encoding']).toBeUndefined();
		const missing = await fetch(`${base}/missing`, { method: 'GET' });
		expect(missing.status).toBe(404);
		expect(missing.ok).toBe(false);
	});

	it('reads a body once, as text or JSON or bytes, UTF-8 decoded; a second read fails as with any Response', async () => {
		const fetch = createModelServerFetch();
		const body = '{"input":["größe ✓ 😀"]}';
		const asText = await fetch(`${base}/json`, { method: 'POST', body });
		expect(await asText.text()).toBe(JSON.stringify({ echo: body }));
		expect(asText.bodyUsed).toBe(true);
		await expect(asText.text()).rejects.toBeInstanceOf(TypeError);
		await expect(asText.json()).rejects.toBeInstanceOf(TypeError);
		const asJson = await fetch(`${base}/json`, { method: 'POST', body });
		expect(await asJson.json()).toEqual({ echo: body });
		const asBytes = await fetch(`${base}/json`, { method: 'POST', body });
		expect(Buffer.from(await asBytes.clone().arrayBuffer()).toString('utf8')).toBe(JSON.stringify({ echo: body }));
		expect(await asBytes.text()).toBe(JSON.stringify({ echo: body }));
		const streamed = await fetch(`${base}/json`, { method: 'POST', body });
		const reader = streamed.body!.getReader();
		expect((await reader.read()).done).toBe(false);
		reader.releaseLock();
		await expect(streamed.text()).rejects.toBeInstanceOf(TypeError);
	});

	it('answers a buffered body through every Response reader, clones before a read, and refuses a clone after one', async () => {
		const fetch = createModelServerFetch();
		const body = '{"input":["größe"]}';
		const expected = JSON.stringify({ echo: body });
		const read = async (how: (r: Response) => Promise<string>): Promise<string> => how(await fetch(`${base}/json`, { method: 'POST', body }));
		expect(await read(async (r) => Buffer.from(await r.arrayBuffer()).toString('utf8'))).toBe(expected);
		expect(await read(async (r) => Buffer.from(await r.bytes()).toString('utf8'))).toBe(expected);
		expect(await read(async (r) => (await r.blob()).text())).toBe(expected);
		const response = await fetch(`${base}/json`, { method: 'POST', body });
		expect(response).toBeInstanceOf(Response);
		expect(response.bodyUsed).toBe(false);
		expect(response.body).not.toBeNull();
		const copy = response.clone();
		expect(copy.status).toBe(200);
		expect(copy.headers.get('x-answer')).toBe('42');
		expect(await copy.json()).toEqual({ echo: body });
		expect(await response.text()).toBe(expected);
		expect(() => response.clone()).toThrow(TypeError);
		const once = await fetch(`${base}/json`, { method: 'POST', body });
		expect(await once.json()).toEqual({ echo: body });
		await expect(once.arrayBuffer()).rejects.toBeInstanceOf(TypeError);
		expect(once.bodyUsed).toBe(true);
	});

	it('decodes a gzip body and drops its encoding header', async () => {
		const response = await createModelServerFetch()(`${base}/gzip`);
		expect(response.headers.get('content-encoding')).toBeNull();
		expect(await response.json()).toEqual({ zipped: true });
	});

	it('rejects with the signal’s reason when it aborts', async () => {
		const controller = new AbortController();
		const reason = new Error('deadline');
		setTimeout(() => controller.abort(reason), 50);
		await expect(createModelServerFetch()(`${base}/slow`, { signal: controller.signal })).rejects.toBe(reason);
		const aborted = AbortSignal.abort();
		await expect(createModelServerFetch()(`${base}/json`, { signal: aborted })).rejects.toMatchObject({ name: 'AbortError' });
	});

	it('reports an unreachable server as fetch does (TypeError "fetch failed" with the cause)', async () => {
		const closed = createServer();
		await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
		const port = (closed.address() as AddressInfo).port;
		await new Promise<void>((resolve) => closed.close(() => resolve()));
		const error = await createModelServerFetch()(`http://127.0.0.1:${port}/`).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(TypeError);
		expect((error as TypeError).message).toBe('fetch failed');
		expect(((error as TypeError).cause as { code?: string }).code).toBe('ECONNREFUSED');
	});

	it('streams event-stream bodies as they arrive', async () => {
		const response = await createModelServerFetch()(`${base}/stream`);
		const reader = response.body!.getReader();
		const first = await reader.read();
		expect(Buffer.from(first.value!).toString()).toBe('data: 1\n\n');
		let rest = '';
		for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += Buffer.from(chunk.value).toString();
		expect(rest).toBe('data: 2\n\n');
	});

	it('joins an answer that arrives in several chunks, keeps repeated headers, and skips interim answers', async () => {
		const fetch = createModelServerFetch();
		const chunked = await fetch(`${base}/chunks`);
		expect(await chunked.json()).toEqual({ parts: ['x'.repeat(70_000), 'end'] });
		expect(chunked.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
		const hinted = await fetch(`${base}/hints`);
		expect(hinted.status).toBe(200);
		expect(await hinted.json()).toEqual({ after: 'hints' });
	});

	it('answers a body-less status and HEAD with no body, and a redirect as it is when asked to', async () => {
		const fetch = createModelServerFetch({ fallback: () => Promise.reject(new Error('no fallback expected')) });
		const empty = await fetch(`${base}/empty`, { method: 'DELETE' });
		expect(empty.status).toBe(204);
		expect(empty.body).toBeNull();
		expect(empty.headers.get('x-answer')).toBe('none');
		expect(empty.url).toBe(`${base}/empty`);
		const head = await fetch(`${base}/json`, { method: 'HEAD' });
		expect(head.status).toBe(200);
		expect(head.body).toBeNull();
		const moved = await fetch(`${base}/moved`, { redirect: 'manual' });
		expect(moved.status).toBe(307);
		expect(moved.headers.get('location')).toBe('/json');
		// The connection stays usable after answers whose bodies were dropped.
		expect(await (await fetch(`${base}/json`, { method: 'POST', body: 'again' })).json()).toEqual({ echo: 'again' });
	});

	it('rejects at once a call aborted while it waits for a connection, and the next call still goes through', async () => {
		const fetch = createModelServerFetch({ connections: 1 });
		const slow = fetch(`${base}/slow`);
		const controller = new AbortController();
		const queued = fetch(`${base}/json`, { signal: controller.signal });
		const reason = new Error('gave up');
		controller.abort(reason);
		await expect(queued).rejects.toBe(reason);
		expect(await (await slow).text()).toBe('late');
		expect(await (await fetch(`${base}/json`, { method: 'POST', body: 'next' })).json()).toEqual({ echo: 'next' });
	});

	it('errors a streamed body with the signal’s reason when it aborts mid-stream, and stops the upstream when the reader cancels', async () => {
		const fetch = createModelServerFetch();
		const controller = new AbortController();
		const aborted = await fetch(`${base}/endless`, { signal: controller.signal });
		const reader = aborted.body!.getReader();
		expect(Buffer.from((await reader.read()).value!).toString()).toBe('data: first\n\n');
		const reason = new Error('stop');
		controller.abort(reason);
		await expect((async () => {
			for (;;) if ((await reader.read()).done) return 'ended';
		})()).rejects.toBe(reason);
		const cancelled = await fetch(`${base}/endless`);
		const second = cancelled.body!.getReader();
		expect(Buffer.from((await second.read()).value!).toString()).toBe('data: first\n\n');
		await second.cancel();
		expect(await (await fetch(`${base}/json`, { method: 'POST', body: 'after' })).json()).toEqual({ echo: 'after' });
	});

	it('leaves redirects, Request objects and other bodies to the fallback fetch', async () => {
		const calls: string[] = [];
		const fallback: typeof fetch = async (input) => {
			calls.push(input instanceof Request ? `request ${input.url}` : String(input));
			return new Response('from fallback');
		};
		const fetch = createModelServerFetch({ fallback });
		expect(await (await fetch(`${base}/moved`)).text()).toBe('from fallback');
		expect(await (await fetch(new Request(`${base}/json`))).text()).toBe('from fallback');
		expect(await (await fetch(`${base}/json`, { method: 'POST', body: new FormData() })).text()).toBe('from fallback');
		expect(calls).toEqual([`${base}/moved`, `request ${base}/json`, `${base}/json`]);
	});
});
