import { AsyncLocalStorage } from 'node:async_hooks';
import { MlError } from '../errors.js';

/**
 * How patient provider calls may be. Background jobs use the model's own settings (long
 * per-attempt timeout, several retries: `ML_PROVIDER_TIMEOUT_MS`, `ML_PROVIDER_MAX_RETRIES`).
 * A person waiting on a request gets a short budget instead, set once around the request
 * (`withCallBudget`), so every provider call made on its behalf, however deep, fails fast.
 */
export interface CallBudget {
	/** Per-attempt timeout, in ms (for streams: the longest silence between chunks). */
	timeoutMs: number;
	/** Retries after the first attempt. */
	maxRetries: number;
	/** Aborts when the overall deadline passes (its reason is a `DeadlineExceededError`). */
	deadline?: AbortSignal;
}

const budgets = new AsyncLocalStorage<CallBudget>();

/** Runs `fn` with `budget` applying to every provider call it makes (including async continuations). */
export function withCallBudget<T>(budget: CallBudget, fn: () => T): T {
	return budgets.run(budget, fn);
}

/** The budget of the current call chain, if any (none in background jobs). */
export function currentCallBudget(): CallBudget | undefined {
	return budgets.getStore();
}

/** An interactive call ran past its overall deadline: 504, retryable later. */
export class DeadlineExceededError extends MlError {
	constructor(deadlineMs: number) {
		super(`The model provider did not answer within the ${deadlineMs} ms allowed for an interactive request (ML_INTERACTIVE_DEADLINE_MS). Try again later.`, {
			code: 'DEADLINE_EXCEEDED',
			status: 504,
			retryable: true,
			details: { deadlineMs },
		});
		this.name = 'DeadlineExceededError';
	}
}

/** A signal that aborts with a `DeadlineExceededError` after `ms`; `cancel()` stops the timer. */
export function deadlineSignal(ms: number): { signal: AbortSignal; cancel(): void } {
	const controller = new AbortController();
	const timer = setTimeout(() => controller.abort(new DeadlineExceededError(ms)), ms);
	timer.unref?.();
	return { signal: controller.signal, cancel: () => clearTimeout(timer) };
}
