#!/usr/bin/env node
// `npm run ml -- <directus command>`: runs the Directus CLI with the same resolved environment
// as `npm start` (directus.config.ts defaults, .env, process env), e.g.
//   npm run ml -- ml:reindex articles --force
//   npm run ml -- schema apply --yes snapshots/ml-suite.json
import { spawn } from 'node:child_process';
import { DIRECTUS_CLI, ROOT, ensureBundleBuilt, nodeBinary, reexecUnderNode22, resolveEnv } from './lib/runtime.mjs';

if (!reexecUnderNode22()) {
	const env = await resolveEnv();
	ensureBundleBuilt({ quiet: true });
	const child = spawn(nodeBinary(), [DIRECTUS_CLI, ...process.argv.slice(2)], { cwd: ROOT, env, stdio: 'inherit' });
	for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
	child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
