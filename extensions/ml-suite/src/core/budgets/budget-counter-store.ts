/** One budget's counter for one period. */
export interface CounterKey {
	budget: string;
	/** The period key (`2026-11-30`, `2026-11`), or that plus a suffix for threshold marks. */
	period: string;
}

export interface ReserveEntry {
	key: CounterKey;
	amount: number;
	limit: number | null;
	expiresAt: Date;
}

export interface GrantEntry {
	key: CounterKey;
	/** Added in any case while the counter is under `limit` (even past it: the call that crosses the limit). */
	need: number;
	/** Added when the room left allows: up to `want`, at most a 1/`LEASE_ROOM_DIVISOR` share of `limit − counter`. */
	want: number;
	limit: number | null;
	expiresAt: Date;
}

/**
 * A lease takes at most this share of the room a budget has left, so the allowance one process
 * holds unspent shrinks as the budget runs out (1/16: ≤ 6.25 % of what was left).
 */
export const LEASE_ROOM_DIVISOR = 16;

/**
 * Shared spend counters, atomic across every Directus instance and worker that uses the same
 * store: Redis when it is configured, the database otherwise. Amounts are integers (tokens,
 * nano-dollars). A counter lives until `expiresAt` (the end of its period, plus a day).
 */
export interface BudgetCounterStore {
	readonly kind: 'redis' | 'database';
	/**
	 * For each entry, adds `amount` unless the counter has already reached `limit` (`null`: no
	 * limit), each in one atomic step; all entries in one round trip where the store allows.
	 * Returns, per entry, whether it was added and the counter's value afterwards.
	 */
	reserve(entries: readonly ReserveEntry[]): Promise<{ admitted: boolean; spent: number }[]>;
	/**
	 * For each entry, unless the counter has already reached `limit`, adds
	 * `max(need, min(want, ⌊(limit − counter) / LEASE_ROOM_DIVISOR⌋))` in one atomic step (no
	 * limit: `need`). Returns what was added (0 when refused) and the counter's value afterwards.
	 * `reserve` is `grant` with `want` 0.
	 */
	grant(entries: readonly GrantEntry[]): Promise<{ granted: number; spent: number }[]>;
	/** Adds `delta` (negative to give back); returns the new value. */
	add(key: CounterKey, delta: number, expiresAt: Date): Promise<number>;
	/** True for exactly one caller per key: the first to mark it. */
	markOnce(key: CounterKey, expiresAt: Date): Promise<boolean>;
	/** Current values (0 for counters that do not exist). */
	read(keys: CounterKey[]): Promise<number[]>;
	/** Drops counters whose period has passed. Returns how many. */
	prune(now: Date): Promise<number>;
	close(): Promise<void>;
}
