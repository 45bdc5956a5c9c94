import { afterEach, describe, expect, it, vi } from 'vitest';
import { ChangeCoalescer, type ChangeBatch } from './change-coalescer.js';

describe('ChangeCoalescer', () => {
	afterEach(() => vi.useRealTimers());

	it('turns one event per item into one batch per index after the window', async () => {
		vi.useFakeTimers();
		const batches: ChangeBatch[] = [];
		const coalescer = new ChangeCoalescer({ windowMs: 100, flush: async (b) => void batches.push(b), onError: () => undefined });
		for (let i = 0; i < 300; i++) coalescer.add('idx-a', 'articles', [String(i)]);
		coalescer.add('idx-b', 'tasks', ['1', '2']);
		coalescer.add('idx-a', 'articles', ['5']); // duplicate key
		expect(batches).toEqual([]);
		await vi.advanceTimersByTimeAsync(100);
		expect(batches.map((b) => [b.indexId, b.collection, b.keys.length])).toEqual([
			['idx-a', 'articles', 300],
			['idx-b', 'tasks', 2],
		]);
	});

	it('flushes at once when an index gathers maxKeys, in batches of at most maxKeys', async () => {
		const batches: ChangeBatch[] = [];
		const coalescer = new ChangeCoalescer({ windowMs: 60_000, maxKeys: 4, flush: async (b) => void batches.push(b), onError: () => undefined });
		coalescer.add('idx', 'c', ['1', '2', '3', '4', '5', '6', '7', '8', '9']);
		await coalescer.flush();
		expect(batches.map((b) => b.keys)).toEqual([['1', '2', '3', '4'], ['5', '6', '7', '8'], ['9']]);
	});

	it('runs flushes one at a time and reports a failed batch without losing later ones', async () => {
		let running = 0;
		let maxRunning = 0;
		const failed: ChangeBatch[] = [];
		const done: string[] = [];
		const coalescer = new ChangeCoalescer({
			maxKeys: 1,
			async flush(b) {
				running++;
				maxRunning = Math.max(maxRunning, running);
				await new Promise((r) => setTimeout(r, 5));
				running--;
				if (b.keys[0] === 'bad') throw new Error('database is locked');
				done.push(b.keys[0]!);
			},
			onError: (_e, b) => void failed.push(b),
		});
		coalescer.add('idx', 'c', ['a']);
		coalescer.add('idx', 'c', ['bad']);
		coalescer.add('idx', 'c', ['b']);
		await coalescer.flush();
		expect(maxRunning).toBe(1);
		expect(done).toEqual(['a', 'b']);
		expect(failed.map((b) => b.keys)).toEqual([['bad']]);
	});

	it('close() writes what is gathered and later changes at once', async () => {
		const batches: ChangeBatch[] = [];
		const coalescer = new ChangeCoalescer({ windowMs: 60_000, flush: async (b) => void batches.push(b), onError: () => undefined });
		coalescer.add('idx', 'c', ['1']);
		await coalescer.close();
		expect(batches).toHaveLength(1);
		coalescer.add('idx', 'c', ['2']);
		await coalescer.flush();
		expect(batches.map((b) => b.keys)).toEqual([['1'], ['2']]);
	});
});
