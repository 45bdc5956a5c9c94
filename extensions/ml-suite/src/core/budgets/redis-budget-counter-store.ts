import type { Redis } from 'ioredis';
import { LEASE_ROOM_DIVISOR, type BudgetCounterStore, type CounterKey, type GrantEntry, type ReserveEntry } from './budget-counter-store.js';

/**
 * Unless KEYS[1] already reached ARGV[3] (-1: no limit), adds max(need ARGV[1], min(want ARGV[2],
 * floor((limit − spent) / ARGV[5]))); the key expires at ARGV[4] (unix s). Returns {added?, spent, added}.
 */
const GRANT = `
local spent = tonumber(redis.call('GET', KEYS[1]) or '0')
local need = tonumber(ARGV[1])
local limit = tonumber(ARGV[3])
if limit >= 0 and spent >= limit then return {0, spent, 0} end
local amount = need
if limit >= 0 then amount = math.max(need, math.min(tonumber(ARGV[2]), math.floor((limit - spent) / tonumber(ARGV[5])))) end
spent = redis.call('INCRBY', KEYS[1], amount)
redis.call('EXPIREAT', KEYS[1], ARGV[4])
return {1, spent, amount}
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
		const replies = await this.grants(entries.map((e) => ({ key: e.key, need: e.amount, want: 0, limit: e.limit, expiresAt: e.expiresAt })));
		return replies.map(([admitted, spent]) => ({ admitted: admitted === 1, spent: Number(spent) }));
	}

	async grant(entries: readonly GrantEntry[]): Promise<{ granted: number; spent: number }[]> {
		return (await this.grants(entries)).map(([, spent, granted]) => ({ granted: Number(granted), spent: Number(spent) }));
	}

	/** One round trip for all of a call's budgets; each script is atomic on its own. */
	private async grants(entries: readonly GrantEntry[]): Promise<[number, number, number][]> {
		await this.ready();
		const pipeline = this.redis.pipeline();
		for (const e of entries) pipeline.eval(GRANT, 1, this.name(e.key), Math.round(e.need), Math.round(e.want), e.limit === null ? -1 : Math.round(e.limit), unix(e.expiresAt), LEASE_ROOM_DIVISOR);
		const replies = (await pipeline.exec()) ?? [];
		return replies.map(([error, reply]) => {
			if (error) throw error;
			return reply as [number, number, number];
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
