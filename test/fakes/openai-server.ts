import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local HTTP server that speaks the OpenAI wire format for `POST /v1/embeddings` and
 * `POST /v1/chat/completions` (JSON and SSE streaming), so provider code is tested through the
 * real `openai` SDK. Faults are scripted per request; every request is recorded, including
 * whether the client went away before the response was complete.
 */
export type Fault =
	/** Answer with this status (and optional headers, e.g. `retry-after`) instead of a result. */
	| { kind: 'status'; status: number; headers?: Record<string, string>; body?: unknown }
	/** Wait this long before answering normally (for client timeouts). */
	| { kind: 'delay'; ms: number }
	/** Streaming only: send this many content chunks, then destroy the socket. */
	| { kind: 'stream-error'; afterChunks: number }
	/** Streaming only: send this many content chunks, then an in-band `{error}` event. */
	| { kind: 'stream-error-event'; afterChunks: number };

export interface RecordedRequest {
	method: string;
	path: string;
	headers: http.IncomingHttpHeaders;
	body: Record<string, unknown>;
	/** `Date.now()` when the request body had arrived. */
	receivedAt: number;
	/** Status sent, or 0 when none was sent. */
	status: number;
	/** True when the client closed the connection before the response was finished. */
	closedByClient: boolean;
	/** Resolves when the exchange is over (finished, failed or closed by the client). */
	settled: Promise<void>;
}

export interface FakeOpenAIServerOptions {
	/** Dimensions of fake embeddings when the request does not ask for `dimensions`. Default: 8. */
	dimensions?: number;
	/** Reply text for a chat request. Default: `Echo: <last message content>`. */
	reply?: (messages: { role: string; content: string }[]) => string;
	/** Pause between streamed chunks, in ms. Default: 0. */
	streamChunkDelayMs?: number;
	/** When set, requests must carry `Authorization: Bearer <apiKey>` or get a 401. */
	apiKey?: string;
	/**
	 * `derived` (default): each text's own vector (`fakeEmbedding`, SHA-256 blocks, ≈ 1 ms per
	 * 1,536 dimensions). `pool`: one of 64 vectors made at start, picked by a cheap hash of the
	 * text, with its base64 and JSON text ready — an upstream that answers at once, for benchmarks
	 * where the fake shares the CPU with the server measured (equal texts still get equal vectors).
	 */
	embeddings?: 'derived' | 'pool';
}

export interface FakeOpenAIServer {
	/** Base URL including `/v1`, for the SDK's `baseURL`. */
	readonly baseUrl: string;
	readonly requests: RecordedRequest[];
	/** Queues faults; each request consumes the next one, then requests succeed again. */
	script(...faults: Fault[]): void;
	/** Drops faults not consumed yet. */
	clearScript(): void;
	close(): Promise<void>;
}

/** The fake's embedding for `text`: deterministic, derived from SHA-256, unit length. */
export function fakeEmbedding(text: string, dimensions: number): number[] {
	const values: number[] = [];
	let block = 0;
	while (values.length < dimensions) {
		const digest = createHash('sha256').update(`${block}:${text}`).digest();
		for (let i = 0; i + 4 <= digest.length && values.length < dimensions; i += 4) {
			values.push(digest.readInt32LE(i) / 2 ** 31);
		}
		block++;
	}
	const norm = Math.sqrt(values.reduce((sum, v) => sum + v * v, 0));
	// Float32 round trip, so base64 and float responses carry the same numbers.
	return Array.from(new Float32Array(values.map((v) => v / norm)));
}

/** The fake's token count: one per whitespace-separated word. */
export function fakeTokens(text: string): number {
	const trimmed = text.trim();
	return trimmed === '' ? 0 : trimmed.split(/\s+/).length;
}

export async function startFakeOpenAIServer(options: FakeOpenAIServerOptions = {}): Promise<FakeOpenAIServer> {
	const faults: Fault[] = [];
	const requests: RecordedRequest[] = [];
	const sockets = new Set<import('node:net').Socket>();
	const reply = options.reply ?? ((messages) => `Echo: ${messages.at(-1)?.content ?? ''}`);

	const server = http.createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			let body: Record<string, unknown> = {};
			try {
				body = chunks.length > 0 ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>) : {};
			} catch {
				body = {};
			}
			let settle = (): void => undefined;
			let destroyedByServer = false;
			const record: RecordedRequest = {
				method: req.method ?? '',
				path: req.url ?? '',
				headers: req.headers,
				body,
				receivedAt: Date.now(),
				status: 0,
				closedByClient: false,
				settled: new Promise<void>((resolve) => (settle = resolve)),
			};
			requests.push(record);
			res.on('close', () => {
				if (!res.writableFinished && !destroyedByServer) record.closedByClient = true;
				settle();
			});
			void handle(record, res, faults.shift(), () => {
				destroyedByServer = true;
				res.destroy();
			});
		});
	});

	async function handle(record: RecordedRequest, res: http.ServerResponse, fault: Fault | undefined, destroy: () => void): Promise<void> {
		const send = (status: number, payload: unknown, headers: Record<string, string> = {}): void => {
			if (res.destroyed) return;
			record.status = status;
			res.writeHead(status, { 'content-type': 'application/json', ...headers });
			res.end(JSON.stringify(payload));
		};
		if (fault?.kind === 'delay') await sleep(fault.ms);
		if (res.destroyed) return;
		if (options.apiKey !== undefined && record.headers.authorization !== `Bearer ${options.apiKey}`) {
			return send(401, { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' } });
		}
		if (fault?.kind === 'status') {
			return send(fault.status, fault.body ?? { error: { message: `Scripted ${fault.status}`, type: 'server_error', code: null } }, fault.headers);
		}
		if (record.method !== 'POST') return send(405, { error: { message: 'Method not allowed' } });
		if (record.path === '/v1/embeddings') return options.embeddings === 'pool' ? sendPooledEmbeddings(record, res) : send(200, embeddings(record.body));
		if (record.path === '/v1/chat/completions') {
			if (record.body.stream === true) return stream(record, res, fault, destroy);
			return send(200, completion(record.body));
		}
		return send(404, { error: { message: `Unknown path ${record.path}` } });
	}

	const pool = new Map<number, { float: Buffer; base64: Buffer }[]>();
	/** The pool's answer for `text`: JSON bytes of the vector, as numbers or as a base64 string. */
	function pooled(text: string, dims: number, base64: boolean): Buffer {
		let vectors = pool.get(dims);
		if (!vectors) {
			vectors = Array.from({ length: POOL_SIZE }, (_, i) => {
				const vector = fakeEmbedding(`pool ${i}`, dims);
				return { float: Buffer.from(JSON.stringify(vector)), base64: Buffer.from(JSON.stringify(Buffer.from(new Float32Array(vector).buffer).toString('base64'))) };
			});
			pool.set(dims, vectors);
		}
		const entry = vectors[cheapHash(text) % POOL_SIZE]!;
		return base64 ? entry.base64 : entry.float;
	}

	/** The embeddings answer with pooled vectors, as the prepared bytes in one corked write (no per-request stringify or copy of the numbers). */
	function sendPooledEmbeddings(record: RecordedRequest, res: http.ServerResponse): void {
		const body = record.body;
		const input = typeof body.input === 'string' ? [body.input] : (body.input as string[]);
		const dims = typeof body.dimensions === 'number' ? body.dimensions : (options.dimensions ?? 8);
		const base64 = body.encoding_format === 'base64';
		const tokens = input.reduce((sum, t) => sum + fakeTokens(t), 0);
		const parts: Buffer[] = [Buffer.from(`{"object":"list","model":${JSON.stringify(body.model)},"data":[`)];
		input.forEach((text, index) => {
			parts.push(Buffer.from(`${index > 0 ? ',' : ''}{"object":"embedding","index":${index},"embedding":`), pooled(text, dims, base64), CLOSE_BRACE);
		});
		parts.push(Buffer.from(`],"usage":{"prompt_tokens":${tokens},"total_tokens":${tokens}}}`));
		record.status = 200;
		res.writeHead(200, { 'content-type': 'application/json', 'content-length': parts.reduce((sum, p) => sum + p.length, 0) });
		res.cork();
		for (const part of parts) res.write(part);
		res.end();
	}

	function embeddings(body: Record<string, unknown>): unknown {
		const input = typeof body.input === 'string' ? [body.input] : (body.input as string[]);
		const dims = typeof body.dimensions === 'number' ? body.dimensions : (options.dimensions ?? 8);
		const base64 = body.encoding_format === 'base64';
		return {
			object: 'list',
			model: body.model,
			data: input.map((text, index) => {
				const vector = fakeEmbedding(text, dims);
				const embedding = base64 ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
				return { object: 'embedding', index, embedding };
			}),
			usage: { prompt_tokens: input.reduce((sum, t) => sum + fakeTokens(t), 0), total_tokens: input.reduce((sum, t) => sum + fakeTokens(t), 0) },
		};
	}

	function answerFor(body: Record<string, unknown>): { text: string; promptTokens: number } {
		const messages = body.messages as { role: string; content: string }[];
		return { text: reply(messages), promptTokens: messages.reduce((sum, m) => sum + fakeTokens(m.content), 0) };
	}

	function completion(body: Record<string, unknown>): unknown {
		const { text, promptTokens } = answerFor(body);
		const completionTokens = fakeTokens(text);
		return {
			id: 'chatcmpl-fake',
			object: 'chat.completion',
			created: 1_700_000_000,
			model: body.model,
			choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
			usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
		};
	}

	async function stream(record: RecordedRequest, res: http.ServerResponse, fault: Fault | undefined, destroy: () => void): Promise<void> {
		const { text, promptTokens } = answerFor(record.body);
		const pieces = text.split(/(?<= )/);
		const base = { id: 'chatcmpl-fake', object: 'chat.completion.chunk', created: 1_700_000_000, model: record.body.model };
		record.status = 200;
		res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
		// Resolves once the bytes are handed to the socket, so a scripted connection break comes
		// after the client has really received the chunks before it (destroying the socket in the
		// same tick would discard them, and the client would see a failed request, not a break).
		let flushed: Promise<void> = Promise.resolve();
		const write = (payload: unknown): void => {
			if (!res.destroyed) flushed = new Promise((resolve) => res.write(`data: ${JSON.stringify(payload)}\n\n`, () => resolve()));
		};
		write({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] });
		for (let i = 0; i < pieces.length; i++) {
			if ((fault?.kind === 'stream-error' || fault?.kind === 'stream-error-event') && i === fault.afterChunks) {
				if (fault.kind === 'stream-error') {
					await flushed;
					await sleep(20);
					destroy();
				} else {
					write({ error: { message: 'Scripted mid-stream failure', type: 'server_error' } });
					res.end();
				}
				return;
			}
			if (options.streamChunkDelayMs) await sleep(options.streamChunkDelayMs);
			if (res.destroyed) return;
			write({ ...base, choices: [{ index: 0, delta: { content: pieces[i] }, finish_reason: null }] });
		}
		write({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }] });
		const streamOptions = record.body.stream_options as { include_usage?: boolean } | undefined;
		if (streamOptions?.include_usage) {
			const completionTokens = fakeTokens(text);
			write({ ...base, choices: [], usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens } });
		}
		if (!res.destroyed) res.end('data: [DONE]\n\n');
	}

	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;

	return {
		baseUrl: `http://127.0.0.1:${port}/v1`,
		requests,
		script: (...more) => void faults.push(...more),
		clearScript: () => void faults.splice(0),
		close: async () => {
			for (const socket of sockets) socket.destroy();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

const POOL_SIZE = 64;
const CLOSE_BRACE = Buffer.from('}');

/** FNV-1a over the UTF-16 code units: picks a pooled vector. */
function cheapHash(text: string): number {
	let h = 0x811c9dc5;
	for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
	return h >>> 0;
}

function sleep(ms: number): Promise<void> {
	return new Promise((resolve) => setTimeout(resolve, ms));
}
