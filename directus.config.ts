/**
 * Typed defaults for the Directus process that `npm start`, the test harness and the
 * standalone worker run. They give the embedded setup: SQLite in ./data, the suite loaded from
 * ./extensions, embedded vectors, inline queue, local provider, no keys needed.
 *
 * Precedence (lowest first): these defaults, then `.env`, then the process environment.
 * Setting the usual Directus `DB_*` variables (e.g. DB_CLIENT=pg, DB_CONNECTION_STRING=...)
 * runs the same thing on PostgreSQL; setting `REDIS` switches the queue to BullMQ.
 */
export interface DirectusDefaults {
	/** HTTP host to bind. Default: 0.0.0.0 */
	HOST: string;
	/** HTTP port. Default: 8055 */
	PORT: string;
	/** Public URL of the instance (used in links). Default: http://localhost:<PORT> */
	PUBLIC_URL: string;
	/** Database client. Default: sqlite3 */
	DB_CLIENT: string;
	/** SQLite file when DB_CLIENT=sqlite3. Default: ./data/directus.db */
	DB_FILENAME: string;
	/** Where Directus loads extensions from. Default: ./extensions */
	EXTENSIONS_PATH: string;
	/** Where uploaded files are stored. Default: ./data/uploads */
	STORAGE_LOCAL_ROOT: string;
	/** Email of the first admin. Default: admin@example.com */
	ADMIN_EMAIL: string;
	/** Directus log level. Default: info */
	LOG_LEVEL: string;
	/** Directus telemetry. Default: false */
	TELEMETRY: string;
	/** Directus's response cache. Default: false (the suite's admin views are live data) */
	CACHE_ENABLED: string;
	/**
	 * Hand every request the cached schema frozen instead of a deep copy of it (Directus's default
	 * deep-copies the whole schema per request: about 3 ms of CPU each here, see the README's
	 * performance section). Neither Directus's routes nor the suite mutate it. Default: true
	 */
	CACHE_SCHEMA_FREEZE_ENABLED: string;
	/**
	 * Bundle the app extensions at start-up with Rolldown instead of Rollup (a documented Directus
	 * option). Directus re-bundles every app extension on each start; for the suite's 1.3 MB app
	 * bundle Rollup took 10–11 s of a 20–25 s start here, Rolldown 1–2 s. Default: true
	 */
	EXTENSIONS_ROLLDOWN: string;
	/** Let the admin app serve from this process. Default: true */
	SERVE_APP: string;
	/** Which marketplace extensions may be installed. Default: sandbox */
	MARKETPLACE_TRUST: string;
	/**
	 * Node options of the Directus process: the given `NODE_OPTIONS` plus
	 * `--experimental-async-context-frame` on Node 22 (Node 24 has it on by default). The suite
	 * keeps per-call context (usage scope, call budget) in `AsyncLocalStorage`; on Node 22 without
	 * the flag, its first use turns on async hooks for the whole process, a hook on every promise
	 * of every request, Directus's own included (≈ 0.15 µs per promise here; see the README's
	 * performance section). With it, `AsyncLocalStorage` needs no hooks. Left as given when
	 * `NODE_OPTIONS` already names the option (e.g. `--no-experimental-async-context-frame`).
	 */
	NODE_OPTIONS: string;
}

const ASYNC_CONTEXT_FRAME = '--experimental-async-context-frame';

/** `NODE_OPTIONS` with the async-context-frame option added where Node 22 needs it (see above). */
export function nodeOptions(given: string | undefined, nodeVersion: string = process.versions.node): string {
	const current = given?.trim() ?? '';
	const [major = 0, minor = 0] = nodeVersion.split('.').map(Number);
	// The option exists from 22.7; from Node 24 it is the default.
	const needed = major === 22 && minor >= 7;
	if (!needed || current.includes('async-context-frame')) return current;
	return current ? `${current} ${ASYNC_CONTEXT_FRAME}` : ASYNC_CONTEXT_FRAME;
}

export function directusDefaults(root: string, env: Record<string, string | undefined> = {}): DirectusDefaults {
	const port = env.PORT ?? '8055';
	return {
		HOST: '0.0.0.0',
		PORT: port,
		PUBLIC_URL: `http://localhost:${port}`,
		DB_CLIENT: 'sqlite3',
		DB_FILENAME: `${root}/data/directus.db`,
		EXTENSIONS_PATH: `${root}/extensions`,
		STORAGE_LOCAL_ROOT: `${root}/data/uploads`,
		ADMIN_EMAIL: 'admin@example.com',
		LOG_LEVEL: 'info',
		TELEMETRY: 'false',
		CACHE_ENABLED: 'false',
		CACHE_SCHEMA_FREEZE_ENABLED: 'true',
		EXTENSIONS_ROLLDOWN: 'true',
		SERVE_APP: 'true',
		MARKETPLACE_TRUST: 'sandbox',
		NODE_OPTIONS: nodeOptions(env.NODE_OPTIONS),
	};
}
