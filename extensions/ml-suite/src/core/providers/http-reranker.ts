import { z } from 'zod';
import { NotConfiguredError, ProviderError, isRetryableStatus } from '../errors.js';
import type { Reranker, RerankResponse } from '../search/reranker.js';
import { estimateTokens } from '../text/estimate-tokens.js';
import type { SecretResolver } from './openai-client.js';

export interface HttpRerankerOptions {
	/** Server base URL; `/rerank` is appended (e.g. `http://tei:8080`, `https://api.cohere.com/v2`, `https://api.jina.ai/v1`, vLLM's `http://host:8000/v1`). */
	baseUrl: string;
	/** Model name sent as `model` (ignored by servers that host one model, such as TEI). */
	model: string;
	/** Env variable holding a bearer token, if the server needs one. */
	apiKeyEnv?: string | null;
	resolveSecret: SecretResolver;
	/** Per-attempt timeout. Default: 30000. */
	timeoutMs?: number;
	/** Retries after the first attempt, for 408/409/429/5xx and network errors. Default: 2. */
	maxRetries?: number;
	/** Fetch implementation. Default: the global `fetch`. */
	fetch?: typeof fetch;
}

/** Cohere, Jina, vLLM and Infinity answer `{ results: [{ index, relevance_score }] }`; TEI answers `[{ index, score }]`. */
const RerankBody = z.union([
	z.object({
		results: z.array(z.object({ index: z.number().int().min(0), relevance_score: z.number() })),
		usage: z.object({ total_tokens: z.number().optional(), prompt_tokens: z.number().optional() }).partial().passthrough().optional(),
		meta: z.object({ billed_units: z.object({ search_units: z.number().optional() }).partial().optional() }).partial().passthrough().optional(),
	}),
	z.array(z.object({ index: z.number().int().min(0), score: z.number() })),
]);

/**
 * Reranker over the common HTTP wire format: `POST {baseUrl}/rerank` with `{ model, query,
 * documents, top_n }` (Cohere, Jina, vLLM, Infinity, Hugging Face TEI).
 */
export class HttpReranker implements Reranker {
	readonly provider = 'http';
	readonly modelId: string;

	constructor(private readonly options: HttpRerankerOptions) {
		this.modelId = options.model;
	}

	async rerank(query: string, documents: readonly string[], options: { topN?: number; signal?: AbortSignal } = {}): Promise<RerankResponse> {
		const started = performance.now();
		if (documents.length === 0) return { results: [], usage: { inputTokens: 0, latencyMs: 0 } };
		const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
		if (this.options.apiKeyEnv) {
			const key = this.options.resolveSecret(this.options.apiKeyEnv);
			if (!key) throw new NotConfiguredError(`The reranker needs an API key: set the environment variable ${this.options.apiKeyEnv}.`);
			headers.authorization = `Bearer ${key}`;
		}
		const body = JSON.stringify({ model: this.options.model, query, documents, top_n: options.topN ?? documents.length, return_documents: false });
		const url = `${this.options.baseUrl.replace(/\/+$/, '')}/rerank`;
		const maxRetries = this.options.maxRetries ?? 2;
		const doFetch = this.options.fetch ?? fetch;
		for (let attempt = 0; ; attempt++) {
			const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 30_000);
			const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
			let status: number | undefined;
			let text = '';
			try {
				const response = await doFetch(url, { method: 'POST', headers, body, signal });
				status = response.status;
				text = await response.text();
				if (response.ok) {
					const parsed = RerankBody.safeParse(JSON.parse(text));
					if (!parsed.success) throw new ProviderError(`The reranker answered in an unknown format: ${parsed.error.issues[0]?.message ?? 'invalid body'}.`, { provider: this.provider, statusCode: status, responseBody: text.slice(0, 500), retryable: false });
					const list = Array.isArray(parsed.data) ? parsed.data.map((r) => ({ index: r.index, score: r.score })) : parsed.data.results.map((r) => ({ index: r.index, score: r.relevance_score }));
					const results = list.filter((r) => r.index < documents.length).sort((a, b) => b.score - a.score || a.index - b.index);
					const reported = Array.isArray(parsed.data) ? undefined : (parsed.data.usage?.total_tokens ?? parsed.data.usage?.prompt_tokens);
					const inputTokens = reported ?? documents.reduce((sum, d) => sum + estimateTokens(d) + estimateTokens(query), 0);
					return { results, usage: { inputTokens, latencyMs: performance.now() - started } };
				}
			} catch (error) {
				if (error instanceof ProviderError) throw error;
				if (options.signal?.aborted) throw error;
				if (attempt >= maxRetries) throw new ProviderError(`The reranker at ${url} could not be reached: ${(error as Error).message}.`, { provider: this.provider, retryable: true, cause: error });
				await sleep(backoff(attempt), options.signal);
				continue;
			}
			const retryable = isRetryableStatus(status);
			if (!retryable || attempt >= maxRetries) {
				throw new ProviderError(`The reranker answered ${status}: ${text.slice(0, 200)}`, { provider: this.provider, statusCode: status, responseBody: text.slice(0, 2000), retryable });
			}
			await sleep(backoff(attempt), options.signal);
		}
	}
}

function backoff(attempt: number): number {
	return Math.min(4000, 250 * 2 ** attempt) * (0.75 + Math.random() * 0.25);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(resolve, ms);
		signal?.addEventListener('abort', () => {
			clearTimeout(timer);
			reject(signal.reason);
		}, { once: true });
	});
}
