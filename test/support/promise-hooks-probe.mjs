// Preloaded into a Directus process by test/async-context.test.ts: on SIGUSR2 it prints whether
// async hooks track promises (a promise callback then runs with an async id, otherwise with 0).
import { executionAsyncId } from 'node:async_hooks';
import { setImmediate } from 'node:timers';

process.on('SIGUSR2', () => {
	setImmediate(() => Promise.resolve().then(() => process.stdout.write(`\n[promise-hooks] ${executionAsyncId() === 0 ? 'off' : 'on'}\n`)));
});
