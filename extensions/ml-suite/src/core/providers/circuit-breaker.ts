import { ProviderError, isMlError } from '../errors.js';

export interface CircuitBreakerOptions {
	/** Consecutive outage-like failures (timeouts, unreachable, 5xx) that open a provider's circuit. Default: 5. */
	failureThreshold?: number;
	/** How long an open circuit refuses calls before one trial call may go through, in ms. Default: 30000. */
	cooldownMs?: number;
	/** Clock, for tests. Default: `Date.now`. */
	now?: () => number;
}

interface Circuit {
	failures: number;
	openUntil: number;
	trial: boolean;
}

/**
 * One circuit per provider endpoint (base URL). While a provider is down, calls fail at once
 * with a retryable `PROVIDER_CIRCUIT_OPEN` error carrying a `Retry-After` until the cool-down
 * ends, so queue jobs wait in the delayed set instead of piling onto a dead server and people
 * get a 503 at once instead of waiting for timeouts. After the cool-down one trial call goes
 * through; its success closes the circuit and notifies `onRecover` listeners (which requeue
 * what failed during the outage).
 */
export class CircuitBreakers {
	private readonly circuits = new Map<string, Circuit>();
	private readonly listeners: ((key: string) => void)[] = [];
	private readonly threshold: number;
	private readonly cooldownMs: number;
	private readonly now: () => number;

	constructor(options: CircuitBreakerOptions = {}) {
		this.threshold = Math.max(1, options.failureThreshold ?? 5);
		this.cooldownMs = options.cooldownMs ?? 30_000;
		this.now = options.now ?? Date.now;
	}

	/** Called with the endpoint key when a circuit closes again after having been open. */
	onRecover(listener: (key: string) => void): void {
		this.listeners.push(listener);
	}

	/** `open`, `half-open` (a trial call may go) or `closed`. */
	state(key: string): 'open' | 'half-open' | 'closed' {
		const circuit = this.circuits.get(key);
		if (!circuit || circuit.failures < this.threshold) return 'closed';
		return this.now() < circuit.openUntil ? 'open' : 'half-open';
	}

	/** Runs a provider call through the endpoint's circuit. */
	async run<T>(key: string, provider: string, call: () => Promise<T>): Promise<T> {
		const circuit = this.circuits.get(key) ?? { failures: 0, openUntil: 0, trial: false };
		this.circuits.set(key, circuit);
		const open = circuit.failures >= this.threshold;
		if (open && (this.now() < circuit.openUntil || circuit.trial)) {
			const waitMs = Math.max(1000, circuit.openUntil - this.now());
			throw new ProviderError(`The ${provider} server at ${key} is failing (${circuit.failures} failures in a row); calls are paused for ${Math.ceil(waitMs / 1000)} s.`, {
				provider,
				retryable: true,
				code: 'PROVIDER_CIRCUIT_OPEN',
				retryAfterMs: waitMs,
			});
		}
		if (open) circuit.trial = true;
		try {
			const result = await call();
			const recovered = circuit.failures >= this.threshold;
			circuit.failures = 0;
			circuit.trial = false;
			if (recovered) for (const listener of this.listeners) listener(key);
			return result;
		} catch (error) {
			circuit.trial = false;
			if (isOutage(error)) {
				circuit.failures++;
				if (circuit.failures >= this.threshold) circuit.openUntil = this.now() + this.cooldownMs;
			} else if (isMlError(error) && error instanceof ProviderError) {
				// The server answered (a 400, a 401, a 429): it is up.
				circuit.failures = 0;
			}
			throw error;
		}
	}
}

/** Failures that say the provider is down: timeouts, unreachable, 5xx. Not cancellations, not 4xx. */
function isOutage(error: unknown): boolean {
	if (!(error instanceof ProviderError)) return false;
	if (error.code === 'PROVIDER_TIMEOUT' || error.code === 'PROVIDER_UNREACHABLE') return true;
	return error.statusCode !== undefined && error.statusCode >= 500;
}
