// Preloaded into a Directus process by bench/ping.bench.ts (BENCH_PING_GC=true): counts garbage
// collections and their pause time, and tells whether async hooks track promises (they do once
// any AsyncLocalStorage has been used, on Node 22 without --experimental-async-context-frame).
// Printed on SIGUSR2 as one line the bench reads from the process's stdout.
import { executionAsyncId } from 'node:async_hooks';
import { setImmediate } from 'node:timers';
import { PerformanceObserver, constants } from 'node:perf_hooks';

const tally = { count: 0, ms: 0, majorCount: 0, majorMs: 0 };
new PerformanceObserver((list) => {
	for (const entry of list.getEntries()) {
		tally.count++;
		tally.ms += entry.duration;
		if (entry.detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) {
			tally.majorCount++;
			tally.majorMs += entry.duration;
		}
	}
}).observe({ entryTypes: ['gc'] });

/** 1 when promise hooks are on: a promise callback then runs with an async id, else with 0. */
const promiseHooksOn = () => new Promise((resolve) => setImmediate(() => Promise.resolve().then(() => resolve(executionAsyncId() === 0 ? 0 : 1))));

process.on('SIGUSR2', async () => {
	const hooks = await promiseHooksOn();
	const { heapUsed } = process.memoryUsage();
	process.stdout.write(`\n[gc-tally] ${tally.count} ${tally.ms.toFixed(3)} ${heapUsed} ${hooks} ${tally.majorCount} ${tally.majorMs.toFixed(3)}\n`);
});
