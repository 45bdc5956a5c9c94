import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import { join, resolve } from 'node:path';
import knexFactory from 'knex';
// @ts-expect-error plain ESM helper shared with the start script
import * as runtime from '../../scripts/lib/runtime.mjs';
import { POSTGRES_URL } from './services.js';

const rt = runtime as {
	ROOT: string;
	DIRECTUS_CLI: string;
	TEST_DIRECTUS: Record<string, { cli: string; install: string }>;
	nodeBinary(): string;
	testDirectusCli(major?: string): string;
	resolveEnv(overrides?: Record<string, string>): Promise<Record<string, string>>;
	directusCli(args: string[], env: Record<string, string>, options?: { quiet?: boolean; cli?: string }): unknown;
};

/**
 * The Directus major this test process runs against (`ML_TEST_DIRECTUS_MAJOR`, set per vitest
 * project; default 12, the root install). 11 comes from the on-demand test/directus11 workspace.
 */
export const DIRECTUS_MAJOR = Number(process.env.ML_TEST_DIRECTUS_MAJOR ?? '12');
const CLI = rt.testDirectusCli(String(DIRECTUS_MAJOR));

/** The command that installs a test major, for skip messages and errors. */
export function installCommand(major: number): string {
	return rt.TEST_DIRECTUS[String(major)]?.install ?? `(no workspace for Directus ${major})`;
}

/** True when the Directus CLI of `major` is installed. */
export function directusInstalled(major: number = DIRECTUS_MAJOR): boolean {
	const entry = rt.TEST_DIRECTUS[String(major)];
	return entry !== undefined && existsSync(entry.cli);
}

/** Per-run scratch folder (set by the global setup), so parallel runs never share files. */
export const TMP_ROOT = process.env.ML_TEST_TMP ?? resolve(rt.ROOT, 'test', '.tmp', `run-${process.pid}`);
export const ADMIN_EMAIL = 'admin@example.com';
export const ADMIN_PASSWORD = 'admin-password-for-tests';
const templateFile = (major: number): string => join(TMP_ROOT, `template-${major}.db`);
const TEMPLATE_DB = templateFile(DIRECTUS_MAJOR);
const SECRET = 'test-secret-not-for-production-0123456789';

export interface HttpResponse<T = any> {
	status: number;
	headers: Headers;
	body: T;
	text: string;
}

export interface DirectusInstance {
	url: string;
	/** Major version of the Directus this instance runs (11 or 12). */
	major: number;
	database: 'sqlite' | 'postgres';
	adminToken: string;
	env: Record<string, string>;
	/** The Directus process id (benchmarks read its CPU time from /proc). */
	pid: number;
	/** Calls the instance; `token` defaults to the admin's, `null` sends no token. */
	request<T = any>(method: string, path: string, options?: { token?: string | null; body?: unknown; headers?: Record<string, string> }): Promise<HttpResponse<T>>;
	login(email: string, password: string): Promise<string>;
	/** Creates a non-admin user whose policy grants the given permissions; returns its token. */
	createUser(options: { email: string; permissions: PermissionGrant[]; appAccess?: boolean }): Promise<string>;
	/** Server log lines so far (for assertions about what was logged). */
	logs(): string;
	stop(): Promise<void>;
}

export interface PermissionGrant {
	collection: string;
	action: 'create' | 'read' | 'update' | 'delete';
	fields?: string[];
	permissions?: Record<string, unknown>;
}

export interface StartOptions {
	database?: 'sqlite' | 'postgres';
	/** Extra env (ML_* and Directus settings). */
	env?: Record<string, string>;
	/** Seed demo content. Default: false (tests create their own content). */
	seedDemo?: boolean;
	/** SQLite only: use (and keep) this database file instead of a fresh copy of the template. */
	sqliteFile?: string;
}

function freePort(): Promise<number> {
	return new Promise((resolvePort, reject) => {
		const server = net.createServer();
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
		});
	});
}

function baseEnv(extra: Record<string, string>): Promise<Record<string, string>> {
	return rt.resolveEnv({
		ADMIN_EMAIL,
		ADMIN_PASSWORD,
		SECRET,
		LOG_LEVEL: 'warn',
		LOG_STYLE: 'raw',
		TELEMETRY: 'false',
		RATE_LIMITER_ENABLED: 'false',
		// Directus answers 503 when its event loop lags; on a loaded CI machine that is the machine, not the code under test.
		PRESSURE_LIMITER_ENABLED: 'false',
		CACHE_ENABLED: 'false',
		ML_SEED_DEMO: 'false',
		// The admin app (and the bundle of the suite's app extensions Directus builds for it at
		// every start) only for the files that open it: the integration projects set
		// ML_TEST_SERVE_APP=false, test/support/browser.ts sets it back for browser files.
		SERVE_APP: process.env.ML_TEST_SERVE_APP ?? 'true',
		...extra,
	});
}

/** A new SQLite file holding a bootstrapped Directus database without the suite's schema yet. */
export async function freshSqliteFile(name: string): Promise<{ file: string; env: Record<string, string> }> {
	if (!existsSync(TEMPLATE_DB)) await buildTemplateDatabase();
	mkdirSync(TMP_ROOT, { recursive: true });
	const file = join(TMP_ROOT, `${name}-${randomBytes(3).toString('hex')}.db`);
	copyFileSync(TEMPLATE_DB, file);
	return { file, env: await baseEnv({ DB_CLIENT: 'sqlite3', DB_FILENAME: file }) };
}

/** Runs a Directus CLI command against a database (e.g. `schema apply`). */
export function directusCommand(args: string[], env: Record<string, string>): void {
	rt.directusCli(args, env, { quiet: true, cli: CLI });
}

/** Bootstraps an SQLite database once per run; test files copy it. */
export async function buildTemplateDatabase(major: number = DIRECTUS_MAJOR): Promise<void> {
	if (!directusInstalled(major)) throw new Error(`Directus ${major} is not installed for the tests: run \`${installCommand(major)}\``);
	mkdirSync(TMP_ROOT, { recursive: true });
	const env = await baseEnv({ DB_CLIENT: 'sqlite3', DB_FILENAME: templateFile(major) });
	rt.directusCli(['bootstrap'], env, { quiet: true, cli: rt.testDirectusCli(String(major)) });
}

/**
 * The bootstrapped PostgreSQL database this test major's databases are copied from, when the
 * global setup names one for the run (`ML_TEST_PG_TEMPLATE`, dropped at the end of the run):
 * `CREATE DATABASE … TEMPLATE` copies it in well under a second, where `directus bootstrap` (a
 * full Directus process running every migration) takes 10–20 s per database on this machine.
 * Without the variable (benchmarks, scripts) every database is bootstrapped on its own.
 */
export function postgresTemplateName(major: number = DIRECTUS_MAJOR, prefix: string | undefined = process.env.ML_TEST_PG_TEMPLATE): string | null {
	return prefix ? `${prefix}_${major}` : null;
}

/** Bootstraps the run's template database for this major once (an advisory lock orders concurrent callers). */
async function ensurePostgresTemplate(template: string): Promise<void> {
	const admin = knexFactory({ client: 'pg', connection: POSTGRES_URL, pool: { min: 1, max: 1 } });
	try {
		await admin.raw('SELECT pg_advisory_lock(hashtext(?))', [template]);
		const exists = await admin.raw('SELECT 1 FROM pg_database WHERE datname = ?', [template]);
		if (exists.rows.length > 0) return;
		// Bootstrapped under a scratch name and renamed when complete, so a failed bootstrap never leaves a half-made template.
		const building = `${template}_building`;
		await admin.raw('DROP DATABASE IF EXISTS ?? WITH (FORCE)', [building]);
		await admin.raw('CREATE DATABASE ??', [building]);
		const url = new URL(POSTGRES_URL);
		url.pathname = `/${building}`;
		rt.directusCli(['bootstrap'], await baseEnv({ DB_CLIENT: 'pg', DB_CONNECTION_STRING: url.toString() }), { quiet: true, cli: CLI });
		await admin.raw('ALTER DATABASE ?? RENAME TO ??', [building, template]);
	} finally {
		await admin.raw('SELECT pg_advisory_unlock(hashtext(?))', [template]).catch(() => undefined);
		await admin.destroy();
	}
}

/** Drops the run's template databases (global teardown); quiet when PostgreSQL is not there. */
export async function dropPostgresTemplates(prefix: string): Promise<void> {
	const admin = knexFactory({ client: 'pg', connection: POSTGRES_URL, acquireConnectionTimeout: 5_000 });
	try {
		for (const major of Object.keys(rt.TEST_DIRECTUS)) {
			const template = postgresTemplateName(Number(major), prefix);
			for (const name of [template, `${template}_building`]) await admin.raw('DROP DATABASE IF EXISTS ?? WITH (FORCE)', [name]);
		}
	} finally {
		await admin.destroy();
	}
}

async function preparePostgres(): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
	const name = `ml_test_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
	const template = postgresTemplateName();
	if (template) await ensurePostgresTemplate(template);
	const admin = knexFactory({ client: 'pg', connection: POSTGRES_URL });
	if (template) await admin.raw('CREATE DATABASE ?? TEMPLATE ??', [name, template]);
	else await admin.raw('CREATE DATABASE ??', [name]);
	await admin.destroy();
	const url = new URL(POSTGRES_URL);
	url.pathname = `/${name}`;
	const env = await baseEnv({ DB_CLIENT: 'pg', DB_CONNECTION_STRING: url.toString() });
	if (!template) rt.directusCli(['bootstrap'], env, { quiet: true, cli: CLI });
	return {
		env,
		async drop() {
			const dropper = knexFactory({ client: 'pg', connection: POSTGRES_URL });
			await dropper.raw('DROP DATABASE IF EXISTS ?? WITH (FORCE)', [name]);
			await dropper.destroy();
		},
	};
}

export async function startDirectus(options: StartOptions = {}): Promise<DirectusInstance> {
	const database = options.database ?? 'sqlite';
	const port = await freePort();
	const dir = join(TMP_ROOT, `run-${port}-${randomBytes(3).toString('hex')}`);
	mkdirSync(dir, { recursive: true });

	let dbEnv: Record<string, string>;
	let dropDatabase: () => Promise<void> = async () => undefined;
	if (database === 'sqlite') {
		if (!existsSync(TEMPLATE_DB)) await buildTemplateDatabase();
		const file = options.sqliteFile ?? join(dir, 'directus.db');
		if (!existsSync(file)) copyFileSync(TEMPLATE_DB, file);
		dbEnv = { DB_CLIENT: 'sqlite3', DB_FILENAME: file };
	} else {
		const pg = await preparePostgres();
		dbEnv = { DB_CLIENT: 'pg', DB_CONNECTION_STRING: pg.env.DB_CONNECTION_STRING ?? '' };
		dropDatabase = pg.drop;
	}

	const env = await baseEnv({
		...dbEnv,
		PORT: String(port),
		HOST: '127.0.0.1',
		PUBLIC_URL: `http://127.0.0.1:${port}`,
		STORAGE_LOCAL_ROOT: join(dir, 'uploads'),
		ML_SEED_DEMO: options.seedDemo ? 'true' : 'false',
		...options.env,
	});
	mkdirSync(env.STORAGE_LOCAL_ROOT ?? join(dir, 'uploads'), { recursive: true });

	let output = '';
	const child: ChildProcess = spawn(rt.nodeBinary(), [CLI, 'start'], { cwd: rt.ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
	child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
	child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
	const url = `http://127.0.0.1:${port}`;

	const stopChild = async (): Promise<void> => {
		if (child.exitCode !== null || child.signalCode !== null) return;
		await new Promise<void>((done) => {
			const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
			child.once('exit', () => {
				clearTimeout(timer);
				done();
			});
			child.kill('SIGTERM');
		});
	};

	try {
		await waitForServer(url, child, () => output);
	} catch (error) {
		await stopChild();
		await dropDatabase();
		throw error;
	}

	const request: DirectusInstance['request'] = async (method, path, opts = {}) => {
		const headers: Record<string, string> = { ...(opts.headers ?? {}) };
		const token = opts.token === undefined ? instance.adminToken : opts.token;
		if (token) headers.authorization = `Bearer ${token}`;
		let body: string | undefined;
		if (opts.body !== undefined) {
			headers['content-type'] ??= 'application/json';
			body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
		}
		const response = await fetch(`${url}${path}`, { method, headers, body });
		const text = await response.text();
		let parsed: unknown = text;
		try {
			parsed = text ? JSON.parse(text) : null;
		} catch {
			// not JSON (SSE, CSV, Prometheus text)
		}
		return { status: response.status, headers: response.headers, body: parsed as any, text };
	};

	const login = async (email: string, password: string): Promise<string> => {
		const res = await request('POST', '/auth/login', { token: null, body: { email, password } });
		if (res.status !== 200) throw new Error(`login failed for ${email}: ${res.status} ${res.text}`);
		return res.body.data.access_token as string;
	};

	const instance: DirectusInstance = {
		url,
		major: DIRECTUS_MAJOR,
		database,
		adminToken: '',
		env,
		pid: child.pid ?? -1,
		request,
		login,
		async createUser({ email, permissions, appAccess = false }) {
			const policy = await request('POST', '/policies', {
				body: { name: `policy for ${email}`, icon: 'badge', admin_access: false, app_access: appAccess },
			});
			if (policy.status !== 200) throw new Error(`create policy: ${policy.text}`);
			const policyId = policy.body.data.id as string;
			for (const grant of permissions) {
				const fields = grant.fields ?? ['*'];
				const rules = grant.permissions ?? {};
				// Directus 11 has item- and field-level rules on every project: created through its API.
				if (DIRECTUS_MAJOR < 12 || (fields.includes('*') && Object.keys(rules).length === 0)) {
					const res = await request('POST', '/permissions', { body: { policy: policyId, collection: grant.collection, action: grant.action, fields, permissions: rules } });
					if (res.status !== 200) throw new Error(`create permission: ${res.text}`);
					continue;
				}
				// Field- and item-level rules are a licensed feature of Directus 12 ("custom permission
				// rules"), so the API refuses to create them on the Core license this harness runs.
				// Licensed projects have them, and Directus enforces whatever rows exist, so the rows
				// are written directly and the suite is tested against Directus's real enforcement.
				await withDatabase(env, (db) =>
					db('directus_permissions').insert({ policy: policyId, collection: grant.collection, action: grant.action, fields: fields.join(','), permissions: JSON.stringify(rules) }),
				);
				const cleared = await request('POST', '/utils/cache/clear?system', {});
				if (cleared.status >= 300) throw new Error(`clear cache: ${cleared.text}`);
			}
			const role = await request('POST', '/roles', { body: { name: `role for ${email}`, policies: [{ policy: policyId }] } });
			if (role.status !== 200) throw new Error(`create role: ${role.text}`);
			const password = 'user-password-for-tests';
			const user = await request('POST', '/users', { body: { email, password, role: role.body.data.id } });
			if (user.status !== 200) throw new Error(`create user: ${user.text}`);
			return login(email, password);
		},
		logs: () => output,
		async stop() {
			await stopChild();
			await dropDatabase();
		},
	};
	instance.adminToken = await login(ADMIN_EMAIL, ADMIN_PASSWORD);
	return instance;
}

async function withDatabase<T>(env: Record<string, string>, fn: (db: ReturnType<typeof knexFactory>) => Promise<T>): Promise<T> {
	const db =
		env.DB_CLIENT === 'sqlite3'
			? knexFactory({ client: 'sqlite3', connection: { filename: env.DB_FILENAME ?? '' }, useNullAsDefault: true })
			: knexFactory({ client: 'pg', connection: env.DB_CONNECTION_STRING });
	try {
		return await fn(db);
	} finally {
		await db.destroy();
	}
}

async function waitForServer(url: string, child: ChildProcess, output: () => string): Promise<void> {
	// A cold boot takes 60-100 s on a loaded 2-core machine (benchmarks beside other work): ML_TEST_START_TIMEOUT_MS.
	const limitMs = Number(process.env.ML_TEST_START_TIMEOUT_MS ?? 180_000);
	const deadline = Date.now() + limitMs;
	while (Date.now() < deadline) {
		if (child.exitCode !== null) throw new Error(`Directus exited with ${child.exitCode}:\n${output()}`);
		try {
			const res = await fetch(`${url}/server/ping`);
			if (res.ok) return;
		} catch {
			// not listening yet
		}
		await new Promise((r) => setTimeout(r, 250));
	}
	throw new Error(`Directus did not start within ${limitMs / 1000} s:\n${output()}`);
}
