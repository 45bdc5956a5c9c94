import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpReranker } from './http-reranker.js';

/** A local server speaking the common `POST /rerank` wire format, scoring by shared words. */
describe('HttpReranker', () => {
	let server: Server;
	let base: string;
	const seen: { path: string; auth?: string; body: { model: string; query: string; documents: string[]; top_n: number } }[] = [];
	let mode: 'cohere' | 'tei' | 'flaky' | 'bad' = 'cohere';
	let failures = 0;

	beforeAll(async () => {
		server = createServer((req: IncomingMessage, res: ServerResponse) => {
			let raw = '';
			req.on('data', (c: Buffer) => (raw += c.toString()));
			req.on('end', () => {
				const body = JSON.parse(raw) as { model: string; query: string; documents: string[]; top_n: number };
				seen.push({ path: req.url ?? '', auth: req.headers.authorization, body });
				if (mode === 'flaky' && failures++ < 2) {
					res.writeHead(failures === 1 ? 503 : 429, { 'content-type': 'application/json' }).end('{"error":"busy"}');
					return;
				}
				if (mode === 'bad') {
					res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"documents must not be empty"}');
					return;
				}
				const words = new Set(body.query.toLowerCase().split(/\W+/));
				const scored = body.documents
					.map((d, index) => ({ index, score: d.toLowerCase().split(/\W+/).filter((w) => words.has(w)).length / 10 }))
					.sort((a, b) => b.score - a.score)
					.slice(0, body.top_n);
				const payload = mode === 'tei' ? scored : { results: scored.map((s) => ({ index: s.index, relevance_score: s.score })), usage: { total_tokens: 42 } };
				res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
			});
		});
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
	});
	afterAll(async () => {
		await new Promise((resolve) => server.close(resolve));
	});

	const docs = ['a note about cats', 'lava flows from the volcano crater', 'the volcano is quiet'];

	it('sends query, documents and top_n and reads Cohere/Jina/vLLM results', async () => {
		mode = 'cohere';
		const reranker = new HttpReranker({ baseUrl: `${base}/`, model: 'bge-reranker', apiKeyEnv: 'RERANK_KEY', resolveSecret: (n) => (n === 'RERANK_KEY' ? 'sekret' : undefined) });
		const out = await reranker.rerank('volcano lava crater', docs, { topN: 3 });
		expect(out.results.map((r) => r.index)).toEqual([1, 2, 0]);
		expect(out.usage.inputTokens).toBe(42);
		expect(seen.at(-1)).toMatchObject({ path: '/v1/rerank', auth: 'Bearer sekret', body: { model: 'bge-reranker', query: 'volcano lava crater', documents: docs, top_n: 3 } });
	});

	it('reads the TEI array format', async () => {
		mode = 'tei';
		const out = await new HttpReranker({ baseUrl: base, model: 'tei', resolveSecret: () => undefined }).rerank('quiet volcano', docs);
		expect(out.results[0]).toEqual({ index: 2, score: 0.2 });
		expect(out.usage.inputTokens).toBeGreaterThan(0);
	});

	it('retries 5xx and 429, and refuses a 4xx at once as not retryable', async () => {
		mode = 'flaky';
		failures = 0;
		const out = await new HttpReranker({ baseUrl: base, model: 'm', resolveSecret: () => undefined }).rerank('cats', docs);
		expect(out.results[0]!.index).toBe(0);
		expect(failures).toBe(3);
		mode = 'bad';
		const before = seen.length;
		await expect(new HttpReranker({ baseUrl: base, model: 'm', resolveSecret: () => undefined }).rerank('cats', docs)).rejects.toMatchObject({ name: 'ProviderError', retryable: false, statusCode: 400 });
		expect(seen.length - before).toBe(1);
	});

	it('says which variable to set when the key is missing', async () => {
		await expect(new HttpReranker({ baseUrl: base, model: 'm', apiKeyEnv: 'NOPE_KEY', resolveSecret: () => undefined }).rerank('x', docs)).rejects.toThrow(/NOPE_KEY/);
	});
});
