#!/usr/bin/env node
// `npm start`: build the bundle, bootstrap Directus (first run: database, first admin, the
// suite's schema and demo content are applied by the extension at start-up), then serve.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { isDirectusInstalled } from './lib/database.mjs';
import { DIRECTUS_CLI, ROOT, directusCli, ensureBundleBuilt, nodeBinary, reexecUnderNode22, resolveEnv } from './lib/runtime.mjs';

if (!reexecUnderNode22()) await main();

async function main() {
	const env = await resolveEnv();
	if (env.DB_CLIENT === 'sqlite3') mkdirSync(dirname(env.DB_FILENAME), { recursive: true });
	mkdirSync(env.STORAGE_LOCAL_ROOT, { recursive: true });

	ensureBundleBuilt();

	const installed = await isDirectusInstalled(env);
	let generatedPassword = null;
	if (!installed && !env.ADMIN_PASSWORD) {
		generatedPassword = randomBytes(12).toString('base64url');
		env.ADMIN_PASSWORD = generatedPassword;
	}
	console.log(installed ? '[ml-suite] reusing the existing database' : '[ml-suite] first run: installing Directus…');
	directusCli(['bootstrap'], env);
	if (!installed) {
		console.log('\n──────────────────────────────────────────────');
		console.log(` Admin login:    ${env.ADMIN_EMAIL}`);
		if (generatedPassword) console.log(` Admin password: ${generatedPassword}   (shown once; change it in the app)`);
		else console.log(' Admin password: the ADMIN_PASSWORD you set');
		console.log('──────────────────────────────────────────────\n');
	}
	console.log(`[ml-suite] starting Directus on ${env.PUBLIC_URL}`);

	const child = spawn(nodeBinary(), [DIRECTUS_CLI, 'start'], { cwd: ROOT, env, stdio: 'inherit' });
	for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
	child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
