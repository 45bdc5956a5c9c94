// Tells whether the configured Directus database has been installed yet, so `npm start` knows
// whether this run creates the first admin (and prints a generated password once).
import { existsSync } from 'node:fs';
import knexFactory from 'knex';

export async function isDirectusInstalled(env) {
	if (env.DB_CLIENT === 'sqlite3' && env.DB_FILENAME && !existsSync(env.DB_FILENAME)) return false;
	const connection =
		env.DB_CLIENT === 'sqlite3'
			? { filename: env.DB_FILENAME }
			: env.DB_CONNECTION_STRING ?? {
					host: env.DB_HOST,
					port: env.DB_PORT ? Number(env.DB_PORT) : undefined,
					database: env.DB_DATABASE,
					user: env.DB_USER,
					password: env.DB_PASSWORD,
				};
	const knex = knexFactory({ client: env.DB_CLIENT, connection, useNullAsDefault: true });
	try {
		if (!(await knex.schema.hasTable('directus_users'))) return false;
		const row = await knex('directus_users').count({ count: '*' }).first();
		return Number(row?.count ?? 0) > 0;
	} finally {
		await knex.destroy();
	}
}
