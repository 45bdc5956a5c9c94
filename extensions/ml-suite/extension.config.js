// Build settings for `directus-extension build`.
// knex (and its database drivers) are not bundled: the host Directus ships them, and the
// pgvector store only creates its own pool when ML_PGVECTOR_URL points elsewhere.
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

const HOST_PROVIDED = new Set(['knex', 'pg', 'sqlite3', 'better-sqlite3', 'mysql', 'mysql2', 'oracledb', 'tedious', 'pg-query-stream']);

export default {
	plugins: [
		{
			name: 'ml-suite-host-externals',
			resolveId(source) {
				if (HOST_PROVIDED.has(source)) return { id: source, external: true };
				return null;
			},
		},
		{
			// Classifiers train in a worker thread, whose entry must be a file of its own: built
			// beside the API bundle (dist/classifier-training.mjs) whenever the API bundle is.
			name: 'ml-suite-classifier-training-thread',
			async writeBundle(options) {
				const out = options.file ?? '';
				if (!/(^|[\\/])api\.js$/.test(out)) return;
				await build({
					entryPoints: [join(import.meta.dirname, 'src', 'core', 'classifiers', 'training-thread.ts')],
					outfile: join(dirname(out), 'classifier-training.mjs'),
					bundle: true,
					platform: 'node',
					format: 'esm',
					target: 'node22',
					minify: true,
					legalComments: 'none',
					logLevel: 'warning',
				});
			},
		},
	],
};
