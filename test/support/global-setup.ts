import { mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
// @ts-expect-error plain ESM helper shared with the start script
import { ensureBundleBuilt, ROOT } from '../../scripts/lib/runtime.mjs';

/**
 * Runs once per `vitest` run before the integration project: builds the bundle (when src/ is
 * newer than dist/) and bootstraps one SQLite template database that each test file copies,
 * so a test file boots Directus in a few seconds. Each run gets its own scratch folder.
 */
export default async function setup(): Promise<() => void> {
	const tmp = resolve(ROOT as string, 'test', '.tmp', `run-${process.pid}-${Date.now().toString(36)}`);
	process.env.ML_TEST_TMP = tmp;
	mkdirSync(tmp, { recursive: true });
	(ensureBundleBuilt as (o: { quiet: boolean }) => boolean)({ quiet: true });
	const { buildTemplateDatabase } = await import('./directus.js');
	await buildTemplateDatabase();
	return () => {
		if (process.env.KEEP_TEST_TMP !== '1') rmSync(tmp, { recursive: true, force: true });
	};
}
