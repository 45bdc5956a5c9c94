import { afterEach, describe, expect, it, vi } from 'vitest';
import { SaveActivity } from './save-activity.js';

describe('SaveActivity', () => {
	afterEach(() => vi.useRealTimers());

	const settled = (promise: Promise<void>): { done: boolean } => {
		const state = { done: false };
		void promise.then(() => (state.done = true));
		return state;
	};

	it('says whether saves are under way (one seen within quietMs)', () => {
		let now = 1_000;
		const activity = new SaveActivity({ quietMs: 500, maxDeferMs: 10_000, now: () => now });
		expect(activity.busy()).toBe(false);
		activity.touch();
		now += 499;
		expect(activity.busy()).toBe(true);
		now += 1;
		expect(activity.busy()).toBe(false);
		expect(new SaveActivity({ quietMs: 0, maxDeferMs: 10_000 }).busy()).toBe(false);
	});

	it('lets background work through at once when no save was seen', async () => {
		vi.useFakeTimers();
		const activity = new SaveActivity({ quietMs: 500, maxDeferMs: 10_000 });
		const state = settled(activity.quiet());
		await vi.advanceTimersByTimeAsync(0);
		expect(state.done).toBe(true);
	});

	it('holds background work while saves keep arriving, and releases it once they pause', async () => {
		vi.useFakeTimers();
		const activity = new SaveActivity({ quietMs: 500, maxDeferMs: 60_000 });
		activity.touch();
		const state = settled(activity.quiet());
		// A save touches every 100 ms for 3 s: the work stays held.
		for (let t = 0; t < 30; t++) {
			await vi.advanceTimersByTimeAsync(100);
			activity.touch();
			expect(state.done).toBe(false);
		}
		await vi.advanceTimersByTimeAsync(400);
		expect(state.done).toBe(false);
		await vi.advanceTimersByTimeAsync(150);
		expect(state.done).toBe(true);
	});

	it('never holds work longer than maxDeferMs, however busy saves are', async () => {
		vi.useFakeTimers();
		const activity = new SaveActivity({ quietMs: 500, maxDeferMs: 2_000 });
		activity.touch();
		const state = settled(activity.quiet());
		for (let t = 0; t < 19; t++) {
			await vi.advanceTimersByTimeAsync(100);
			activity.touch();
		}
		expect(state.done).toBe(false);
		await vi.advanceTimersByTimeAsync(150);
		expect(state.done).toBe(true);
	});

	it('does not wait at all when turned off (quietMs 0), and stops waiting when aborted', async () => {
		vi.useFakeTimers();
		const off = new SaveActivity({ quietMs: 0, maxDeferMs: 10_000 });
		off.touch();
		const state = settled(off.quiet());
		await vi.advanceTimersByTimeAsync(0);
		expect(state.done).toBe(true);
		const on = new SaveActivity({ quietMs: 500, maxDeferMs: 10_000 });
		on.touch();
		const controller = new AbortController();
		const waiting = on.quiet(controller.signal);
		controller.abort();
		await expect(waiting).rejects.toThrow();
	});
});
