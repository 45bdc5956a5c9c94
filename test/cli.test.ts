import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCollection, eventually } from './support/content.js';
import { freshSqliteFile, startDirectus } from './support/directus.js';

const ROOT = join(import.meta.dirname, '..');

describe('CLI commands', () => {
	it('`npm run ml -- ml:reindex <index> --force` re-indexes in the CLI process with progress', async () => {
		const { file, env } = await freshSqliteFile('cli');
		const directus = await startDirectus({ sqliteFile: file });
		try {
			await createCollection(directus, 'faq', { question: 'string', answer: 'text' });
			const rows = Array.from({ length: 40 }, (_, i) => ({ question: `Question ${i}`, answer: `Answer number ${i} about shipping, returns and invoices.` }));
			expect((await directus.request('POST', '/items/faq', { body: rows })).status).toBe(200);
			expect((await directus.request('POST', '/items/ml_indexes', { body: { name: 'faq', collection: 'faq', title_field: 'question', content_fields: ['answer'] } })).status).toBe(200);
			await eventually(async () => (await directus.request('GET', '/ml/indexes/faq/coverage')).body.data?.documents.indexed === 40, 30_000, 'faq indexed');
		} finally {
			await directus.stop();
		}
		const result = spawnSync(process.execPath, [join(ROOT, 'scripts', 'directus.mjs'), 'ml:reindex', 'faq', '--force'], {
			cwd: ROOT,
			env: { ...process.env, ...env, LOG_LEVEL: 'warn' },
			encoding: 'utf8',
			timeout: 120_000,
		});
		expect(result.status, result.stderr).toBe(0);
		expect(result.stdout).toMatch(/faq: 40\/40 items/);
		expect(result.stdout).toMatch(/done in [\d.]+ s: 40 indexed, 0 unchanged, 0 removed/);

		const unknown = spawnSync(process.execPath, [join(ROOT, 'scripts', 'directus.mjs'), 'ml:reindex', 'nope'], { cwd: ROOT, env: { ...process.env, ...env, LOG_LEVEL: 'warn' }, encoding: 'utf8', timeout: 60_000 });
		expect(unknown.status).not.toBe(0);
		expect(unknown.stderr + unknown.stdout).toContain('Unknown index "nope"');
	});
});
