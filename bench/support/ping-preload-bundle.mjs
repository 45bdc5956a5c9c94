// Experiment for issue 16 (bench/ping.bench.ts, variant "bundle"): a Directus WITHOUT the suite
// that imports the suite's built API bundle (every module it loads at start-up evaluated and kept
// reachable) but never registers it: no hooks, routes or timers.
const url = process.env.BENCH_PING_BUNDLE_URL;
if (!url) throw new Error('BENCH_PING_BUNDLE_URL is not set');
globalThis.__pingPreload = await import(url);
