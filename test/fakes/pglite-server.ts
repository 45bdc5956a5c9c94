import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** An in-memory PGlite (with pgvector) served over the Postgres wire protocol. */
export interface PgliteServer {
	/** `postgres://` URL for `pg` / knex. */
	url: string;
	close(): Promise<void>;
}

/**
 * Starts PGlite with the `vector` extension behind pglite-socket on a free local port, so code
 * under test talks to it through knex + `pg` exactly as to a PostgreSQL server with pgvector.
 */
export async function startPgliteServer(): Promise<PgliteServer> {
	const db = await PGlite.create({ extensions: { vector } });
	// The socket server queues statements per connection and keeps transactions on one connection.
	const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 8 });
	await server.start();
	const [host, port] = server.getServerConn().split(':');
	return {
		url: `postgres://postgres@${host}:${port}/postgres`,
		close: async () => {
			await server.stop();
			await db.close();
		},
	};
}
