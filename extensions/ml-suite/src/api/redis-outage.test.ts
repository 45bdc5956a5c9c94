import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { containRedisOutages, isRedisOutageError } from './redis-outage.js';

class MaxRetriesPerRequestError extends Error {
	constructor() {
		super('Reached the max retries per request limit (which is 20). Refer to "maxRetriesPerRequest" option for details.');
		this.name = 'MaxRetriesPerRequestError';
	}
}

describe('containing Redis outages in the worker process', () => {
	it('recognises what ioredis rejects with while Redis is away, and nothing else', () => {
		expect(isRedisOutageError(new MaxRetriesPerRequestError())).toBe(true);
		expect(isRedisOutageError(new Error('Connection is closed.'))).toBe(true);
		expect(isRedisOutageError(new Error("Stream isn't writeable and enableOfflineQueue options is false"))).toBe(true);
		expect(isRedisOutageError(new Error('duplicate key value violates unique constraint'))).toBe(false);
		expect(isRedisOutageError('Connection is closed.')).toBe(false);
	});

	it('swallows outage rejections (logging once a minute) and rethrows any other', () => {
		const proc = new EventEmitter();
		const logs: string[] = [];
		let clock = 0;
		containRedisOutages(proc as never, (m) => logs.push(m), () => clock);
		expect(() => proc.emit('unhandledRejection', new MaxRetriesPerRequestError())).not.toThrow();
		expect(() => proc.emit('unhandledRejection', new MaxRetriesPerRequestError())).not.toThrow();
		expect(logs).toHaveLength(1);
		expect(logs[0]).toMatch(/keeps running/);
		clock = 61_000;
		proc.emit('unhandledRejection', new Error('Connection is closed.'));
		expect(logs).toHaveLength(2);
		expect(logs[1]).toMatch(/3 so far/);
		const other = new TypeError('boom');
		expect(() => proc.emit('unhandledRejection', other)).toThrow(other);
	});
});
