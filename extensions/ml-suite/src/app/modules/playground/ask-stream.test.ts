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

describe('parseFilter', () => {
	it('accepts empty input and JSON objects, rejects bad JSON and non-objects', () => {
		expect(parseFilter('  ')).toEqual({ ok: true, value: undefined });
		expect(parseFilter('{"status":{"_eq":"published"}}')).toEqual({ ok: true, value: { status: { _eq: 'published' } } });
		expect(parseFilter('{status}')).toMatchObject({ ok: false, error: expect.stringMatching(/^Invalid JSON/) });
		expect(parseFilter('[1]')).toMatchObject({ ok: false });
		expect(parseFilter('null')).toMatchObject({ ok: false });
	});
});
