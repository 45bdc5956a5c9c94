// Build settings for `directus-extension build`.
// knex (and its database drivers) are not bundled: the host Directus ships them, and the
// pgvector store only creates its own pool when ML_PGVECTOR_URL points elsewhere.
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
	],
};
