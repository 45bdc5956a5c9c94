import type { Redis } from 'ioredis';
import type { BudgetCounterStore, CounterKey, ReserveEntry } from './budget-counter-store.js';

/** Adds ARGV[1] to KEYS[1] unless it already reached ARGV[2] (-1: no limit); the key expires at ARGV[3] (unix s). */
const RESERVE = `
local spent = tonumber(redis.call('GET', KEYS[1]) or '0')
local limit = tonumber(ARGV[2])
if limit >= 0 and spent >= limit then return {0, spent} end
spent = redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('EXPIREAT', KEYS[1], ARGV[3])
return {1, spent}
`;
const ADD = `
local spent = redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('EXPIREAT', KEYS[1], ARGV[2])
return spent
`;

/**
 * Counters in Redis, shared by every instance and worker on it: a reservation is one Lua script
 * (check and INCRBY in one atomic step), and each counter expires with its period.
 */
export class RedisBudgetCounterStore implements BudgetCounterStore {
	readonly kind = 'redis' as const;

	constructor(
		private readonly redis: Redis,
		private readonly prefix: string,
		/** How long a command may wait for the connection before it fails, in ms. Default: 2000. */
		private readonly readyTimeoutMs = 2000,
	) {}

	async reserve(entries: readonly ReserveEntry[]): Promise<{ admitted: boolean; spent: number }[]> {
		await this.ready();
		// One round trip for all of a call's budgets; each script is atomic on its own.
		const pipeline = this.redis.pipeline();
		for (const e of entries) pipeline.eval(RESERVE, 1, this.name(e.key), Math.round(e.amount), e.limit ?? -1, unix(e.expiresAt));
		const replies = (await pipeline.exec()) ?? [];
		return replies.map(([error, reply]) => {
			if (error) throw error;
			const [admitted, spent] = reply as [number, number];
			return { admitted: admitted === 1, spent: Number(spent) };
		});
	}

	async add(key: CounterKey, delta: number, expiresAt: Date): Promise<number> {
		await this.ready();
		return Number(await this.redis.eval(ADD, 1, this.name(key), Math.round(delta), unix(expiresAt)));
	}

	async markOnce(key: CounterKey, expiresAt: Date): Promise<boolean> {
		await this.ready();
		return (await this.redis.set(this.name(key), '1', 'EXAT', unix(expiresAt), 'NX')) === 'OK';
	}

	async read(keys: CounterKey[]): Promise<number[]> {
		if (keys.length === 0) return [];
		await this.ready();
		const values = await this.redis.mget(...keys.map((k) => this.name(k)));
		return values.map((v) => Number(v ?? 0));
	}

	/** Redis expires counters itself. */
	async prune(): Promise<number> {
		return 0;
	}

	async close(): Promise<void> {
		this.redis.disconnect();
	}

	private name(key: CounterKey): string {
		return `${this.prefix}:budget:${key.budget}:${key.period}`;
	}

	/** Commands fail at once while disconnected (no offline queue); right after start-up, wait briefly for the connection. */
	private async ready(): Promise<void> {
		const client = this.redis;
		if (client.status === 'ready') return;
		await new Promise<void>((resolve, reject) => {
			const timer = setTimeout(() => {
				client.off('ready', onReady);
				reject(new Error(`Redis is not reachable (${client.status}) for the budget counters`));
			}, this.readyTimeoutMs);
			const onReady = (): void => {
				clearTimeout(timer);
				resolve();
			};
			client.once('ready', onReady);
		});
	}
}

const unix = (date: Date): number => Math.ceil(date.getTime() / 1000);
