/** Retry backoff settings shared by both queue backends. */
export interface BackoffOptions {
	/** Delay before the first retry, in ms. Each later retry doubles it. Default: 1000. */
	delayMs?: number;
	/**
	 * Fraction of each delay that is randomised (0..0.5), so that jobs failing together do not
	 * retry together. Capped at 0.5 so that every gap is still at least as long as the one
	 * before it. Default: 0.25.
	 */
	jitter?: number;
	/** Upper bound for a single delay, in ms. Default: 300000 (5 minutes). */
	maxDelayMs?: number;
}

export const DEFAULT_BACKOFF: Required<BackoffOptions> = { delayMs: 1000, jitter: 0.25, maxDelayMs: 300_000 };

/**
 * Delay before retry number `retry` (1 = after the first failed attempt): exponential with
 * jitter taken off the top, i.e. a value in `[base * (1 - jitter), base]` with
 * `base = delayMs * 2^(retry - 1)`, capped at `maxDelayMs`.
 */
export function computeBackoffDelay(retry: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
	const delayMs = options.delayMs ?? DEFAULT_BACKOFF.delayMs;
	const jitter = Math.min(Math.max(options.jitter ?? DEFAULT_BACKOFF.jitter, 0), 0.5);
	const maxDelayMs = options.maxDelayMs ?? DEFAULT_BACKOFF.maxDelayMs;
	const base = Math.min(delayMs * 2 ** Math.max(retry - 1, 0), maxDelayMs);
	return Math.round(base * (1 - jitter * random()));
}

/** Longest wait a `Retry-After` can impose on a job: a day. Longer requests are capped. */
export const MAX_RETRY_AFTER_MS = 24 * 3600 * 1000;

/**
 * Delay before a job's next attempt: the backoff, or longer when the failure carried a
 * `Retry-After` (a 429/503 from a provider, an open circuit): the job waits in the delayed set
 * for as long as it was asked to instead of retrying into the same refusal.
 */
export function retryDelay(retry: number, retryAfterMs: number | undefined, options: BackoffOptions = {}, random: () => number = Math.random): number {
	const backoff = computeBackoffDelay(retry, options, random);
	if (retryAfterMs === undefined || !Number.isFinite(retryAfterMs) || retryAfterMs <= 0) return backoff;
	return Math.max(backoff, Math.min(Math.ceil(retryAfterMs), MAX_RETRY_AFTER_MS));
}
