import { describe, expect, it } from 'vitest';
import type { RagStreamEvent } from '../../../shared/rag-types.js';
import { streamAsk } from './ask-stream.js';
import { parseFilter } from './parse-filter.js';

function sseResponse(text: string): Response {
	return new Response(text, { status: 200, headers: { 'Content-Type': 'text/event-stream; charset=utf-8' } });
}

describe('streamAsk', () => {
	it('posts with stream: true, credentials and headers, and yields parsed events', async () => {
		let seen: { url: string; init: RequestInit } | undefined;
		const events: RagStreamEvent[] = [];
		await streamAsk({
			url: '/ml/ask',
			body: { question: 'Why?', indexes: ['articles'] },
			headers: { Authorization: 'Bearer t' },
			onEvent: (e) => events.push(e),
			fetch: async (url, init) => {
				seen = { url: String(url), init: init ?? {} };
				return sseResponse('event: token\ndata: {"type":"token","text":"Hi"}\n\n: ping\n\nevent: done\ndata: {"type":"done","mode":"extractive","notices":[],"retrieved":1}\n\n');
			},
		});
		expect(seen?.init.credentials).toBe('include');
		expect(seen?.init.headers).toMatchObject({ Authorization: 'Bearer t', 'Content-Type': 'application/json' });
		expect(JSON.parse(String(seen?.init.body))).toEqual({ question: 'Why?', indexes: ['articles'], stream: true });
		expect(events).toEqual([
			{ type: 'token', text: 'Hi' },
			{ type: 'done', mode: 'extractive', notices: [], retrieved: 1 },
		]);
	});

	it('throws the Directus error message when refused before streaming', async () => {
		const refused = new Response(JSON.stringify({ errors: [{ message: '"question" is too long', extensions: { code: 'PAYLOAD_TOO_LARGE' } }] }), {
			status: 413,
			headers: { 'Content-Type': 'application/json' },
		});
		await expect(streamAsk({ url: '/ml/ask', body: { question: 'x' }, onEvent: () => undefined, fetch: async () => refused })).rejects.toThrow('"question" is too long');
	});
});

/** A text/event-stream response whose body arrives in the given byte chunks. */
function chunkedSseResponse(chunks: Uint8Array[]): Response {
	const body = new ReadableStream<Uint8Array>({
		start(controller) {
			for (const chunk of chunks) controller.enqueue(chunk);
			controller.close();
		},
	});
	return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
}

async function collect(response: () => Response): Promise<RagStreamEvent[]> {
	const events: RagStreamEvent[] = [];
	await streamAsk({ url: '/ml/ask', body: { question: 'q' }, onEvent: (e) => events.push(e), fetch: async () => response() });
	return events;
}

describe('streamAsk event stream parsing', () => {
	const stream = 'event: token\r\ndata: {"type":"token","text":"héllo 日本"}\r\n\r\ndata: {"type":"done","mode":"extractive",\r\ndata: "notices":[],"retrieved":2}\r\n\r\n';
	const expected: RagStreamEvent[] = [
		{ type: 'token', text: 'héllo 日本' },
		{ type: 'done', mode: 'extractive', notices: [], retrieved: 2 },
	];

	it('yields the same events wherever a network chunk boundary falls, even inside an event, a CRLF or a UTF-8 sequence', async () => {
		const bytes = new TextEncoder().encode(stream);
		for (let cut = 1; cut < bytes.length; cut++) {
			expect(await collect(() => chunkedSseResponse([bytes.slice(0, cut), bytes.slice(cut)])), `cut at byte ${cut}`).toEqual(expected);
		}
		expect(await collect(() => chunkedSseResponse([...bytes].map((b) => new Uint8Array([b]))))).toEqual(expected);
	});

	it('ignores comment, id and retry lines, and data that is not a stream event', async () => {
		const text = ': keep-alive\n\nretry: 3000\nid: 7\nevent: token\ndata: {"type":"token","text":"a"}\n\n: ping\nretry: x\n\ndata: not json\n\ndata: {"no":"type"}\n\ndata: {"type":"token","text":"b"}\n\n';
		expect(await collect(() => sseResponse(text))).toEqual([
			{ type: 'token', text: 'a' },
			{ type: 'token', text: 'b' },
		]);
	});

	it('delivers a last event the server left without its blank line', async () => {
		expect(await collect(() => sseResponse('data: {"type":"token","text":"tail"}'))).toEqual([{ type: 'token', text: 'tail' }]);
	});
});

describe('parseFilter', () => {
	it('accepts empty input and JSON objects, rejects bad JSON and non-objects', () => {
		expect(parseFilter('  ')).toEqual({ ok: true, value: undefined });
		expect(parseFilter('{"status":{"_eq":"published"}}')).toEqual({ ok: true, value: { status: { _eq: 'published' } } });
		expect(parseFilter('{status}')).toMatchObject({ ok: false, error: expect.stringMatching(/^Invalid JSON/) });
		expect(parseFilter('[1]')).toMatchObject({ ok: false });
		expect(parseFilter('null')).toMatchObject({ ok: false });
	});
});
