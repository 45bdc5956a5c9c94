// Preloaded into a Directus process WITHOUT the suite by bench/ping.bench.ts (BENCH_PING_ALS_TOGGLE=true):
// SIGWINCH switches one AsyncLocalStorage between used (async hooks on for the whole process, as
// after the suite's first /ml call on Node 22) and disabled (hooks off), so the cost of the
// hooks on Directus's own /server/ping is measured in one process, alternating rounds.
import { AsyncLocalStorage } from 'node:async_hooks';

const storage = new AsyncLocalStorage();
let on = false;
process.on('SIGWINCH', () => {
	if (on) storage.disable();
	else storage.run({}, () => undefined);
	on = !on;
});
