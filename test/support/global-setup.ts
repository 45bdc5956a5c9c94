import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildTemplateDatabase, TMP_ROOT } from './directus.js';
// @ts-expect-error plain ESM helper shared with the start script
import { ensureBundleBuilt } from '../../scripts/lib/runtime.mjs';

/**
 * Runs once per `vitest` run before the integration project: builds the bundle (when src/ is
 * newer than dist/) and bootstraps one SQLite template database that each test file copies,
 * so a test file boots Directus in a few seconds.
 */
export default async function setup(): Promise<() => void> {
	rmSync(TMP_ROOT, { recursive: true, force: true });
	mkdirSync(TMP_ROOT, { recursive: true });
	(ensureBundleBuilt as (o: { quiet: boolean }) => boolean)({ quiet: true });
	await buildTemplateDatabase();
	return () => {
		if (process.env.KEEP_TEST_TMP !== '1') rmSync(join(TMP_ROOT), { recursive: true, force: true });
	};
}
