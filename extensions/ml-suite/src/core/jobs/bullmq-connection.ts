import type { ConnectionOptions } from 'bullmq';
import { RedisConnection, createIORedisClient } from 'bullmq';
import { Redis } from 'ioredis';
import { InvalidPayloadError } from '../errors.js';

type RedisOptions = Exclude<ConnectionOptions, { duplicate: unknown }> & Record<string, unknown>;

/** Connection settings from a `redis://` or `rediss://` URL (user, password, db in the path). */
export function redisOptionsFromUrl(redisUrl: string): RedisOptions {
	let url: URL;
	try {
		url = new URL(redisUrl);
	} catch (error) {
		throw new InvalidPayloadError('The Redis URL is not a valid URL (expected redis://[user:password@]host:port[/db]).', { field: 'redisUrl', reason: String(error) });
	}
	if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
		throw new InvalidPayloadError(`The Redis URL must start with redis:// or rediss://, not ${url.protocol}//.`, { field: 'redisUrl' });
	}
	const db = url.pathname.replace(/^\//, '');
	return {
		host: url.hostname || '127.0.0.1',
		port: url.port ? Number(url.port) : 6379,
		...(url.username ? { username: decodeURIComponent(url.username) } : {}),
		...(url.password ? { password: decodeURIComponent(url.password) } : {}),
		...(db ? { db: Number(db) } : {}),
		...(url.protocol === 'rediss:' ? { tls: {} } : {}),
	};
}

/** Backoff between reconnects: keeps trying forever (Redis coming back must heal the queue), never faster than 0.2 s, never slower than 5 s. */
function reconnectDelay(times: number): number {
	return Math.min(200 * times, 5000);
}

/**
 * For producers (enqueue, admin): no offline queue, so a command fails at once while Redis
 * is away instead of piling up, and few retries per request.
 */
export function producerConnection(redisUrl: string): RedisOptions {
	return { ...redisOptionsFromUrl(redisUrl), enableOfflineQueue: false, maxRetriesPerRequest: 1, connectTimeout: 5000, retryStrategy: reconnectDelay };
}

/** For workers: BullMQ needs `maxRetriesPerRequest: null` on blocking connections. */
export function workerConnection(redisUrl: string): RedisOptions {
	return { ...redisOptionsFromUrl(redisUrl), maxRetriesPerRequest: null, connectTimeout: 5000, retryStrategy: reconnectDelay };
}

/**
 * BullMQ 6 treats ioredis as an optional driver and loads it with `require`, which the ESM
 * bundle Directus loads does not have ("BullMQ could not load the optional 'ioredis' package"):
 * BullMQ's connections are built here, from the ioredis this package imports.
 */
export function useIoredisForBullmq(): void {
	RedisConnection.clientFactory ??= (options) => {
		const { url, ...rest } = options;
		return createIORedisClient(typeof url === 'string' ? new Redis(url, rest) : new Redis(rest));
	};
}

/** Rejects with `onTimeout()` when `promise` takes longer than `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
	let timer: NodeJS.Timeout | undefined;
	const timeout = new Promise<never>((_resolve, reject) => {
		timer = setTimeout(() => reject(onTimeout()), ms);
	});
	try {
		return await Promise.race([promise, timeout]);
	} finally {
		clearTimeout(timer);
	}
}
