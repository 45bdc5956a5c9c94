import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const IN_CI = process.env.CI === 'true' || process.env.CI === '1';
const DIRECTUS_11_INSTALLED = existsSync('test/directus11/node_modules/directus/cli.js');

/**
 * Integration files that also run on Directus 11: what differs between the majors (start-up,
 * schema, permissions with item and field rules, search, RAG, hooks, Flow operations). The
 * rest (queue backends, CLI, benchmarks' harness) does not depend on the Directus major and
 * runs on 12 only, which keeps CI time down.
 */
const ON_DIRECTUS_11 = [
	'test/foundation.test.ts',
	'test/search.test.ts',
	'test/rag.test.ts',
	'test/compat-api.test.ts',
	'test/permissions-*.test.ts',
	'test/license-*.test.ts',
	'test/model-secrets.test.ts',
	'test/sdk-graphql.test.ts',
	'test/enrichment.test.ts',
];

if (!DIRECTUS_11_INSTALLED && !IN_CI) {
	console.warn('\n[skip] Directus 11 integration tests: Directus 11.17.4 is not installed; install it with:\n  npm run install:directus11\n');
}

const integration = {
	globalSetup: ['test/support/global-setup.ts'],
	testTimeout: 120_000,
	hookTimeout: 180_000,
	fileParallelism: false,
	// `expect.poll` waits 1 s by default; a Directus or a browser on a loaded 2-core machine can
	// take longer to show what it will show, so a poll waits up to 15 s (it returns as soon as
	// the condition holds, so a passing run is not slower).
	expect: { poll: { timeout: 15_000 } },
};

/**
 * Projects:
 * - `unit`: tests beside the core code; no services, no Directus.
 * - `integration`: `*.int.test.ts` beside the code (real PostgreSQL/Redis/PGlite) and `test/`
 *   (a real Directus 12 booted from the built bundle). Services that are not reachable are
 *   skipped with a message outside CI; with CI=true they fail.
 * - `integration-directus11`: the `ON_DIRECTUS_11` files against Directus 11.17.4 from the
 *   on-demand test/directus11 workspace. Outside CI it is left out when that is not installed
 *   (with the message above); with CI=true it always runs (and fails if not installed).
 * The groups run one after the other: two Directus servers booting at once on a 2-core machine
 * only slow each other down.
 */
export default defineConfig({
	test: {
		projects: [
			{
				// Unit tests read extension definitions (names, options), not their Vue components: a
				// single-file component imported by a definition resolves to an empty stand-in.
				resolve: { alias: [{ find: /^.+\.vue$/, replacement: fileURLToPath(new URL('test/support/vue-component-stub.ts', import.meta.url)) }] },
				test: {
					name: 'unit',
					include: ['extensions/ml-suite/src/**/*.test.ts'],
					exclude: ['**/*.int.test.ts', '**/node_modules/**', '**/dist/**'],
					testTimeout: 20_000,
					sequence: { groupOrder: 0 },
				},
			},
			{
				test: {
					name: 'integration',
					include: ['extensions/ml-suite/src/**/*.int.test.ts', 'test/**/*.test.ts'],
					exclude: ['**/node_modules/**', '**/dist/**'],
					env: { ML_TEST_DIRECTUS_MAJOR: '12', ML_TEST_SERVE_APP: 'false' },
					sequence: { groupOrder: 1 },
					...integration,
				},
			},
			...(DIRECTUS_11_INSTALLED || IN_CI
				? [
						{
							test: {
								name: 'integration-directus11',
								include: ON_DIRECTUS_11,
								exclude: ['**/node_modules/**', '**/dist/**'],
								env: { ML_TEST_DIRECTUS_MAJOR: '11', ML_TEST_SERVE_APP: 'false' },
								sequence: { groupOrder: 2 },
								...integration,
							},
						},
					]
				: []),
		],
	},
});
