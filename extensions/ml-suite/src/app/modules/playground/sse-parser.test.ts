import { describe, expect, it } from 'vitest';
import { createSseParser, readSse, type SseEvent } from './sse-parser.js';

describe('createSseParser', () => {
	it('parses named events, multi-line data, comments and ignored fields', () => {
		const parser = createSseParser();
		const events = parser.push('event: token\ndata: {"text":"a"}\n\n: ping\n\nid: 7\nretry: 10\ndata: one\ndata:two\n\n');
		expect(events).toEqual([
			{ event: 'token', data: '{"text":"a"}' },
			{ event: 'message', data: 'one\ntwo' },
		]);
	});

	it('handles chunks split anywhere, including inside CRLF', () => {
		const stream = 'event: token\r\ndata: héllo\r\n\r\ndata: [DONE]\r\n\r\n';
		for (let cut = 1; cut < stream.length; cut++) {
			const parser = createSseParser();
			const events = [...parser.push(stream.slice(0, cut)), ...parser.push(stream.slice(cut)), ...parser.end()];
			expect(events, `cut at ${cut}`).toEqual([
				{ event: 'token', data: 'héllo' },
				{ event: 'message', data: '[DONE]' },
			]);
		}
	});

	it('dispatches an unterminated last event at end, and nothing for comment-only input', () => {
		const parser = createSseParser();
		expect(parser.push('data: tail')).toEqual([]);
		expect(parser.end()).toEqual([{ event: 'message', data: 'tail' }]);
		const quiet = createSseParser();
		expect([...quiet.push(': ping\n\n'), ...quiet.end()]).toEqual([]);
	});
});

describe('readSse', () => {
	it('decodes UTF-8 split across network chunks', async () => {
		const bytes = new TextEncoder().encode('event: token\ndata: 日本\n\n');
		const body = new ReadableStream<Uint8Array>({
			start(controller) {
				for (const b of bytes) controller.enqueue(new Uint8Array([b]));
				controller.close();
			},
		});
		const seen: SseEvent[] = [];
		await readSse(body, (e) => seen.push(e));
		expect(seen).toEqual([{ event: 'token', data: '日本' }]);
	});
});
