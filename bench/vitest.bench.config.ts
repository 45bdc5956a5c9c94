import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

/**
 * Benchmarks (`npm run bench`), kept out of `npm test`: each file prints its figures and a
 * summary goes to bench/results/latest.json. Files run one after another in one forked
 * process each, so one benchmark's memory and CPU never skew the next one's figures.
 */
export default defineConfig({
	root: fileURLToPath(new URL('..', import.meta.url)),
	test: {
		include: ['bench/**/*.bench.ts'],
		// bench/.data holds downloaded data and scratch builds (e.g. a baseline checkout for
		// request-cost.bench.ts), whose own bench files must not run.
		exclude: ['**/node_modules/**', '**/dist/**', 'bench/.data/**'],
		pool: 'forks',
		fileParallelism: false,
		maxWorkers: 1,
		isolate: true,
		testTimeout: 15 * 60_000,
		hookTimeout: 10 * 60_000,
		disableConsoleIntercept: true,
		reporters: ['default'],
		sequence: { shuffle: false },
	},
});
