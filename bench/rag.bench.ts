import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_PROMPTS } from '../extensions/ml-suite/src/core/prompts/default-prompts.js';
import { OpenAIChatModel } from '../extensions/ml-suite/src/core/providers/openai-chat-model.js';
import type { ChatMessage } from '../extensions/ml-suite/src/core/providers/types.js';
import { RagService } from '../extensions/ml-suite/src/core/rag/rag-service.js';
import { estimateTokens } from '../extensions/ml-suite/src/core/text/estimate-tokens.js';
import { EmbeddedVectorStore } from '../extensions/ml-suite/src/core/vector-stores/embedded-vector-store.js';
import { startFakeOpenAIServer, type FakeOpenAIServer } from '../test/fakes/openai-server.js';
import { intEnv } from './support/env.js';
import { Report } from './support/report.js';
import { buildSearchFixture, type SearchFixture } from './support/search-fixture.js';
import { median, percentile } from './support/stats.js';

/**
 * Issue "RAG": time to first token and total latency of RagService.stream (semantic retrieval
 * over 100,000 chunks on the embedded store, then an OpenAIChatModel streaming from the fake
 * OpenAI server) against the bare OpenAIChatModel.stream with the same prompt.
 */
const CHUNKS = intEnv('BENCH_CHUNKS', 100_000);
const ASKS = intEnv('BENCH_RAG_ASKS', 30);
const WARMUP = 3;
const TOKEN_DELAY_MS = 5;
const ANSWER = Array.from({ length: 60 }, (_, i) => (i % 12 === 11 ? `word${i} [1].` : `word${i}`)).join(' ');

describe('rag', () => {
	const report = new Report('rag', { chunks: CHUNKS, asks: ASKS, answerTokens: 60, tokenDelayMs: TOKEN_DELAY_MS });
	let fixture: SearchFixture | undefined;
	let server: FakeOpenAIServer | undefined;

	afterAll(async () => {
		report.save();
		await server?.close();
		await fixture?.close();
	});

	it('RagService.stream vs the bare provider stream', async () => {
		fixture = await buildSearchFixture('rag', CHUNKS);
		const f = fixture;
		const store = new EmbeddedVectorStore({ knex: f.knex });
		await f.load(store);
		server = await startFakeOpenAIServer({ reply: () => ANSWER, streamChunkDelayMs: TOKEN_DELAY_MS });
		const chat = new OpenAIChatModel({ provider: 'openai-compatible', modelId: 'bench-chat', baseUrl: server.baseUrl, resolveSecret: () => undefined, contextWindow: 8192, maxOutputTokens: 512 });
		const queries = f.queries(ASKS + WARMUP, 4242);
		const search = f.searchService(store, new Map(queries.map((q) => [q.text, q.vector])));
		const prompt = DEFAULT_PROMPTS.find((p) => p.task === 'rag')!;
		// Wired as api/container.ts wires it, with this benchmark's items table as the caller's view.
		const rag = new RagService<{ user: string }>({
			async retrieve(options) {
				const hits = await search.search(f.request(options.query, { mode: options.mode ?? 'semantic', limit: options.limit ?? 8, fields: [], signal: options.signal }));
				return hits.map((hit) => ({ index: hit.index, collection: hit.collection, item: hit.item, title: hit.title, content: hit.passage, score: hit.score, link: hit.link }));
			},
			getChatModel: async () => chat,
			prompts: { getActive: async () => prompt },
			estimateTokens,
		});

		const ragFirst: number[] = [];
		const ragTotal: number[] = [];
		const bareFirst: number[] = [];
		const bareTotal: number[] = [];
		const firstDiff: number[] = [];
		const totalDiff: number[] = [];
		for (const [i, q] of queries.entries()) {
			const before = server.requests.length;
			let t0 = performance.now();
			let first = 0;
			let tokens = 0;
			// Semantic mode: the fixture fills the vector store only (hybrid would also read ml_chunks for keywords).
			for await (const event of rag.stream({ question: q.text, caller: { user: 'bench' }, mode: 'semantic', limit: 5, maxTokens: 256 })) {
				if (event.type === 'token' && first === 0) first = performance.now() - t0;
				if (event.type === 'token') tokens++;
				if (event.type === 'error') throw new Error(`RAG stream failed: ${event.message}`);
			}
			const ragMs = performance.now() - t0;
			expect(tokens).toBeGreaterThan(10);
			const sent = server.requests[before];
			expect(sent, 'RAG called the provider').toBeDefined();
			const messages = sent!.body.messages as ChatMessage[];

			// The same prompt, straight to the provider.
			t0 = performance.now();
			let bareFirstMs = 0;
			for await (const event of chat.stream({ messages, maxTokens: 256, temperature: 0.2 })) {
				if (event.type === 'delta' && bareFirstMs === 0) bareFirstMs = performance.now() - t0;
			}
			const bareMs = performance.now() - t0;
			if (i < WARMUP) continue;
			ragFirst.push(first);
			ragTotal.push(ragMs);
			bareFirst.push(bareFirstMs);
			bareTotal.push(bareMs);
			firstDiff.push(first - bareFirstMs);
			totalDiff.push(ragMs - bareMs);
		}
		report.add('RAG time to first token p50', median(ragFirst), 'ms');
		report.add('RAG time to first token p95', percentile(ragFirst, 95), 'ms');
		report.add('bare provider time to first token p50', median(bareFirst), 'ms');
		report.add('RAG total latency p50', median(ragTotal), 'ms');
		report.add('bare provider total latency p50', median(bareTotal), 'ms');
		report.add('added time to first token p50 (per-ask difference)', median(firstDiff), 'ms', { max: 50 });
		report.add('added time to first token p95 (per-ask difference)', percentile(firstDiff, 95), 'ms');
		report.add('added total latency p50 (per-ask difference)', median(totalDiff), 'ms', { max: 50 });
	});
});
