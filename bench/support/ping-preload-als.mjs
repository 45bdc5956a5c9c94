// Experiment for issue 16 (bench/ping.bench.ts, variant "als"): a Directus WITHOUT the suite in
// which one AsyncLocalStorage has been used once, as the suite's usage scope and call budget do
// on the first /ml call. On Node 22 that enables async hooks for the whole process (a hook on
// every promise), unless Node runs with --experimental-async-context-frame.
import { AsyncLocalStorage } from 'node:async_hooks';

const storage = new AsyncLocalStorage();
storage.run({}, () => undefined);
globalThis.__pingPreload = storage;
