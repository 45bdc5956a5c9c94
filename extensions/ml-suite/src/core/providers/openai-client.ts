import OpenAI from 'openai';
import { NotConfiguredError, ProviderError, isRetryableStatus } from '../errors.js';
import { currentCallBudget } from './call-budget.js';
import type { CircuitBreakers } from './circuit-breaker.js';

/** Looks up a secret by environment variable name. Injected, so core code never reads `process.env`. */
export type SecretResolver = (envName: string) => string | undefined;

/**
 * Connection settings shared by the OpenAI-backed models. Retries are the SDK's own: it
 * retries connection errors, timeouts and 408/409/429/5xx up to `maxRetries` times with
 * exponential backoff (0.5 s doubling to 8 s, up to 25% jitter) and waits as long as a
 * `retry-after-ms` / `retry-after` header asks. What the SDK lacks is added here: a cap on
 * that wait (`maxRetryAfterMs`) and cancellation of a pending backoff when the caller's
 * signal aborts.
 */
export interface OpenAIConnectionOptions {
	/** `openai` (api.openai.com, key required) or `openai-compatible` (any server at `baseUrl`, key optional). */
	provider: 'openai' | 'openai-compatible';
	/** Model id as the server knows it. */
	modelId: string;
	/** Server base URL including `/v1`. Required for `openai-compatible`. Default for `openai`: `https://api.openai.com/v1`. */
	baseUrl?: string | null;
	/** Name of the env variable holding the key. Default for `openai`: `OPENAI_API_KEY`; none for `openai-compatible`. */
	apiKeyEnv?: string | null;
	/** Resolves `apiKeyEnv` on first use. */
	resolveSecret: SecretResolver;
	/** Per-attempt request timeout; for streams, also the longest silence between chunks. Default: 60000. */
	timeoutMs?: number;
	/** Retries after the first attempt. Default: 4. */
	maxRetries?: number;
	/**
	 * Longest `retry-after` the client will sleep through. A server asking for longer gets no
	 * retry here: the call fails with a retryable `ProviderError`, so a job queue can retry later
	 * instead of holding a worker. Default: 60000.
	 */
	maxRetryAfterMs?: number;
	/** Fetch implementation. Default: the global `fetch`. */
	fetch?: typeof fetch;
	/** Circuit breakers shared by every model of the process (one circuit per base URL). Default: none. */
	breakers?: CircuitBreakers;
}

const OPENAI_BASE_URL = 'https://api.openai.com/v1';
/** Sent to keyless openai-compatible servers: the SDK insists on some key. */
const PLACEHOLDER_KEY = 'not-needed';

/** Builds the SDK client on first use, so a missing key fails the call that needs it, not start-up. */
export class LazyOpenAIClient {
	private client: OpenAI | undefined;

	constructor(private readonly options: OpenAIConnectionOptions) {}

	/** Per-attempt timeout of the current call: the interactive budget's when one applies, else the model's. */
	get timeoutMs(): number {
		return currentCallBudget()?.timeoutMs ?? this.options.timeoutMs ?? 60_000;
	}

	/**
	 * Runs a call through the endpoint's circuit breaker (when configured). `call` must throw
	 * mapped errors (`toProviderError`), so outages are told apart from refusals.
	 */
	guard<T>(call: () => Promise<T>): Promise<T> {
		const breakers = this.options.breakers;
		if (!breakers) return call();
		const key = this.options.baseUrl ?? (this.options.provider === 'openai' ? OPENAI_BASE_URL : `${this.options.provider}:${this.options.modelId}`);
		return breakers.run(key, this.options.provider, call);
	}

	/**
	 * Per-request SDK options for the current call: the caller's signal joined with the
	 * interactive deadline, and the interactive timeout/retries when a budget applies.
	 */
	requestOptions(signal: AbortSignal | undefined): { signal: AbortSignal | undefined; timeout?: number; maxRetries?: number } {
		const budget = currentCallBudget();
		if (!budget) return { signal };
		// A route passes its own signal as the deadline too: one signal then, not a combined one per call.
		const signals = [...new Set([signal, budget.deadline])].filter((s): s is AbortSignal => s !== undefined);
		return {
			signal: signals.length > 1 ? AbortSignal.any(signals) : signals[0],
			timeout: budget.timeoutMs,
			maxRetries: budget.maxRetries,
		};
	}

	get(): OpenAI {
		if (this.client) return this.client;
		const { provider, modelId } = this.options;
		const baseURL = this.options.baseUrl ?? (provider === 'openai' ? OPENAI_BASE_URL : undefined);
		if (!baseURL) {
			throw new NotConfiguredError(
				`The openai-compatible model "${modelId}" has no base URL. Set base_url on the model in ml_models, or ML_EMBEDDING_BASE_URL / ML_CHAT_BASE_URL for the default models.`,
				{ model: modelId },
			);
		}
		const keyEnv = this.options.apiKeyEnv ?? (provider === 'openai' ? 'OPENAI_API_KEY' : null);
		const key = keyEnv ? this.options.resolveSecret(keyEnv)?.trim() : undefined;
		if (!key && provider === 'openai') {
			throw new NotConfiguredError(`No API key for the OpenAI model "${modelId}": set the environment variable ${keyEnv ?? 'OPENAI_API_KEY'}.`, {
				model: modelId,
				variable: keyEnv ?? 'OPENAI_API_KEY',
			});
		}
		this.client = new OpenAI({
			apiKey: key || PLACEHOLDER_KEY,
			baseURL,
			// Passed explicitly so the SDK does not fall back to OPENAI_* variables of the process.
			organization: null,
			project: null,
			timeout: this.timeoutMs,
			maxRetries: this.options.maxRetries ?? 4,
			fetch: capRetryAfter(this.options.fetch ?? globalThis.fetch, this.options.maxRetryAfterMs ?? 60_000),
		});
		return this.client;
	}
}

/** Wraps fetch so a `retry-after` longer than `maxMs` turns off the SDK's retry for that response. */
function capRetryAfter(inner: typeof fetch, maxMs: number): typeof fetch {
	return async (input, init) => {
		const response = await inner(input, init);
		if (response.ok) return response;
		const wait = retryAfterMs(response.headers);
		if (wait === undefined || wait <= maxMs) return response;
		const headers = new Headers(response.headers);
		// The SDK obeys this header before its own status rules.
		headers.set('x-should-retry', 'false');
		return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
	};
}

/** The wait a response asks for, in ms: `retry-after-ms`, else `retry-after` (seconds or an HTTP date). */
export function retryAfterMs(headers: Headers): number | undefined {
	const ms = Number.parseFloat(headers.get('retry-after-ms') ?? '');
	if (Number.isFinite(ms)) return ms;
	const raw = headers.get('retry-after');
	if (!raw) return undefined;
	const seconds = Number.parseFloat(raw);
	if (Number.isFinite(seconds)) return seconds * 1000;
	const date = Date.parse(raw);
	return Number.isNaN(date) ? undefined : date - Date.now();
}

/**
 * Settles with `promise`, or rejects with the signal's reason as soon as it aborts. The SDK
 * only notices an abort between attempts, after a backoff sleep that can last seconds.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
	if (!signal) return promise;
	if (signal.aborted) {
		promise.catch(() => undefined);
		return Promise.reject(abortReason(signal));
	}
	return new Promise<T>((resolve, reject) => {
		const onAbort = (): void => reject(abortReason(signal));
		signal.addEventListener('abort', onAbort, { once: true });
		promise.then(
			(value) => {
				signal.removeEventListener('abort', onAbort);
				resolve(value);
			},
			(error: unknown) => {
				signal.removeEventListener('abort', onAbort);
				reject(error);
			},
		);
	});
}

/** The error a cancelled call rejects with: the signal's reason (an `AbortError` DOMException unless the caller chose one). */
export function abortReason(signal: AbortSignal): unknown {
	return signal.reason ?? new DOMException('This operation was aborted', 'AbortError');
}

/**
 * Maps an SDK error to `ProviderError` (keeping it as `cause`). A cancelled call rejects with
 * the abort reason instead: cancellation is the caller's doing, not a provider failure.
 */
export function toProviderError(error: unknown, context: { provider: string; modelId: string; timeoutMs: number; signal?: AbortSignal | undefined }): unknown {
	const { provider, modelId } = context;
	if (context.signal?.aborted) return abortReason(context.signal);
	if (error instanceof ProviderError || error instanceof NotConfiguredError) return error;
	if (error instanceof OpenAI.APIUserAbortError) return error;
	if (error instanceof OpenAI.APIConnectionTimeoutError) {
		return new ProviderError(`${provider} model "${modelId}" did not answer within ${context.timeoutMs} ms.`, {
			provider,
			retryable: true,
			code: 'PROVIDER_TIMEOUT',
			cause: error,
		});
	}
	// undici reports a connection lost while reading a body (mid-stream) as a bare TypeError.
	if (error instanceof OpenAI.APIConnectionError || isNetworkError(error)) {
		return new ProviderError(`Could not reach the ${provider} server for model "${modelId}": ${describeCause(error)}`, {
			provider,
			retryable: true,
			code: 'PROVIDER_UNREACHABLE',
			cause: error,
		});
	}
	if (error instanceof OpenAI.APIError) {
		const status = error.status;
		const responseBody = error.error === undefined ? undefined : truncate(JSON.stringify(error.error), 2000);
		const hint = status === 401 ? ' Check the API key variable configured for this model.' : '';
		const wait = (status === 429 || status === 503) && error.headers ? retryAfterMs(error.headers) : undefined;
		const retryHint = wait !== undefined ? ` The server asked to retry after ${Math.ceil(wait / 1000)} s.` : '';
		return new ProviderError(`${provider} model "${modelId}" failed${status ? ` with HTTP ${status}` : ''}: ${error.message}.${hint}${retryHint}`, {
			provider,
			statusCode: status,
			responseBody,
			retryable: isRetryableStatus(status),
			cause: error,
			...(wait !== undefined && wait > 0 ? { retryAfterMs: wait } : {}),
		});
	}
	return new ProviderError(`${provider} model "${modelId}" failed: ${error instanceof Error ? error.message : String(error)}`, {
		provider,
		retryable: false,
		cause: error,
	});
}

function isNetworkError(error: unknown): error is Error {
	if (!(error instanceof Error)) return false;
	const code = (error.cause as { code?: unknown } | undefined)?.code;
	if (typeof code === 'string' && (code.startsWith('UND_ERR') || ['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT'].includes(code))) return true;
	return error.name === 'TypeError' && /terminated|fetch failed|network|socket/i.test(error.message);
}

function describeCause(error: Error): string {
	const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
	return `${error.message}${cause}`;
}

function truncate(text: string, max: number): string {
	return text.length > max ? `${text.slice(0, max)}…` : text;
}
