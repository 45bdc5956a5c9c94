import { defineConfig } from 'vitest/config';

/**
 * Two projects:
 * - `unit`: tests beside the core code; no services, no Directus.
 * - `integration`: `*.int.test.ts` beside the code (real PostgreSQL/Redis/PGlite) and `test/`
 *   (a real Directus booted from the built bundle). Services that are not reachable are skipped
 *   with a message outside CI; with CI=true they fail.
 */
export default defineConfig({
	test: {
		projects: [
			{
				test: {
					name: 'unit',
					include: ['extensions/ml-suite/src/**/*.test.ts'],
					exclude: ['**/*.int.test.ts', '**/node_modules/**', '**/dist/**'],
					testTimeout: 20_000,
				},
			},
			{
				test: {
					name: 'integration',
					include: ['extensions/ml-suite/src/**/*.int.test.ts', 'test/**/*.test.ts'],
					exclude: ['**/node_modules/**', '**/dist/**'],
					globalSetup: ['test/support/global-setup.ts'],
					testTimeout: 120_000,
					hookTimeout: 180_000,
					fileParallelism: false,
				},
			},
		],
	},
});
