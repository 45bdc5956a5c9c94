#!/usr/bin/env node
// Builds the suite with one of bench/ablations/*.patch applied, in a scratch directory, for
// `BENCH_FLOOR_BASELINE` (bench/request-floor.bench.ts): what `generate` costs with parts of its
// work taken out (issue 16). The patches are measurement aids, never shipped: they drop features
// (the database cache, usage rows, the OpenAI SDK's request path).
//
//   node bench/support/ablation-build.mjs bench/ablations/<name>.patch <scratch dir> [rev]
//
// The scratch directory gets `git archive <rev>` (default HEAD), the patch, links to this
// checkout's node_modules, and a `directus-extension build`; it prints the extension directory.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');
const [patch, dir, rev = 'HEAD'] = process.argv.slice(2);
if (!patch || !dir) {
	console.error('usage: ablation-build.mjs <patch> <scratch dir> [rev]');
	process.exit(2);
}
if (existsSync(dir) && readdirSync(dir).length > 0) {
	console.error(`${dir} is not empty`);
	process.exit(2);
}
mkdirSync(dir, { recursive: true });
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
execFileSync('sh', ['-c', `git archive ${rev} | tar -x -C "${resolve(dir)}"`], { cwd: ROOT, stdio: 'inherit' });
run('git', ['apply', resolve(patch)], dir);
symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
symlinkSync(join(ROOT, 'extensions', 'ml-suite', 'node_modules'), join(dir, 'extensions', 'ml-suite', 'node_modules'));
run(join(ROOT, 'node_modules', '.bin', 'directus-extension'), ['build'], join(dir, 'extensions', 'ml-suite'));
console.log(join(resolve(dir), 'extensions', 'ml-suite'));
