#!/usr/bin/env node
// `npm run worker`: a standalone ML queue worker. It runs the Directus CLI command `ml:worker`
// (registered by the bundle), so it shares the database, env and job code of the Directus
// instances. For scale-out set ML_WORKERS_IN_PROCESS=false on Directus and run N of these
// against the same database and Redis (ML_REDIS_URL).
import { spawn } from 'node:child_process';
import { isDirectusInstalled } from './lib/database.mjs';
import { DIRECTUS_CLI, ROOT, ensureBundleBuilt, nodeBinary, reexecUnderNode22, resolveEnv } from './lib/runtime.mjs';

if (!reexecUnderNode22()) await main();

async function main() {
	const env = await resolveEnv();
	if (!(await isDirectusInstalled(env))) {
		console.error('[ml-suite] the Directus database is not installed yet: run `npm start` once (or `directus bootstrap`) before starting workers.');
		process.exit(1);
	}
	ensureBundleBuilt();

	const child = spawn(nodeBinary(), [DIRECTUS_CLI, 'ml:worker'], { cwd: ROOT, env, stdio: 'inherit' });
	// The worker drains on SIGINT/SIGTERM (active jobs finish, then it exits); a second signal
	// is passed on too, so an impatient operator is not ignored.
	for (const signal of ['SIGINT', 'SIGTERM']) {
		process.on(signal, () => {
			if (child.exitCode === null && child.signalCode === null) child.kill(signal);
		});
	}
	child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
