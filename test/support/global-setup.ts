import { createHash } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
// @ts-expect-error plain ESM helper shared with the start script
import { ensureBundleBuilt, ROOT } from '../../scripts/lib/runtime.mjs';
import { postgresReachable } from './services.js';

/**
 * Runs once per integration project (one per Directus major) before its tests: builds the
 * bundle (when src/ is newer than dist/) and bootstraps one SQLite template database for that
 * major, which each test file copies, so a test file boots Directus in a few seconds. Each run
 * gets its own scratch folder, shared by the projects of that run, and its own name for the
 * bootstrapped PostgreSQL template databases (`ML_TEST_PG_TEMPLATE`, one per major, made on
 * first use by `startDirectus({ database: 'postgres' })` and dropped here at the end).
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
	const tmp = process.env.ML_TEST_TMP ?? resolve(ROOT as string, 'test', '.tmp', `run-${process.pid}-${Date.now().toString(36)}`);
	process.env.ML_TEST_TMP = tmp;
	const pgTemplate = (process.env.ML_TEST_PG_TEMPLATE ??= `ml_tpl_${createHash('sha256').update(tmp).digest('hex').slice(0, 12)}`);
	mkdirSync(tmp, { recursive: true });
	(ensureBundleBuilt as (o: { quiet: boolean }) => boolean)({ quiet: true });
	const major = Number(project.config.env?.ML_TEST_DIRECTUS_MAJOR ?? '12');
	const { buildTemplateDatabase, dropPostgresTemplates } = await import('./directus.js');
	await buildTemplateDatabase(major);
	return async () => {
		if (process.env.KEEP_TEST_TMP !== '1') rmSync(tmp, { recursive: true, force: true });
		if (await postgresReachable()) await dropPostgresTemplates(pgTemplate);
	};
}
