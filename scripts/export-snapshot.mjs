#!/usr/bin/env node
// `npm run snapshot`: writes snapshots/ml-suite.json, the suite's ml_* collections as a Directus
// schema snapshot. It boots Directus once on a scratch SQLite database (the extension applies
// its schema at start-up), takes `directus schema snapshot`, and keeps the ml_* part.
// The test suite checks that applying this file and then starting Directus creates nothing new.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIRECTUS_CLI, ROOT, directusCli, ensureBundleBuilt, nodeBinary, reexecUnderNode22, resolveEnv } from './lib/runtime.mjs';

if (!reexecUnderNode22()) await main();

function freePort() {
	return new Promise((resolve) => {
		const server = net.createServer().listen(0, '127.0.0.1', () => {
			const { port } = server.address();
			server.close(() => resolve(port));
		});
	});
}

/** Keeps the suite's part of a full snapshot. */
export function suiteOnly(snapshot) {
	const ours = (name) => name === 'ml_suite' || name.startsWith('ml_');
	return {
		...snapshot,
		collections: snapshot.collections.filter((c) => ours(c.collection)),
		fields: snapshot.fields.filter((f) => ours(f.collection)),
		relations: snapshot.relations.filter((r) => ours(r.collection)),
		...(snapshot.systemFields ? { systemFields: [] } : {}),
	};
}

async function main() {
	ensureBundleBuilt();
	const dir = mkdtempSync(join(tmpdir(), 'ml-snapshot-'));
	const port = await freePort();
	const env = await resolveEnv({
		DB_CLIENT: 'sqlite3',
		DB_FILENAME: join(dir, 'directus.db'),
		STORAGE_LOCAL_ROOT: join(dir, 'uploads'),
		PORT: String(port),
		HOST: '127.0.0.1',
		ADMIN_EMAIL: 'snapshot@example.com',
		ADMIN_PASSWORD: 'snapshot-password',
		SECRET: 'snapshot-secret',
		ML_SEED_DEMO: 'false',
		LOG_LEVEL: 'warn',
	});
	try {
		directusCli(['bootstrap'], env, { quiet: true });
		const server = spawn(nodeBinary(), [DIRECTUS_CLI, 'start'], { cwd: ROOT, env, stdio: 'ignore' });
		for (let i = 0; i < 240; i++) {
			const ok = await fetch(`http://127.0.0.1:${port}/server/ping`).then((r) => r.ok, () => false);
			if (ok) break;
			await new Promise((r) => setTimeout(r, 250));
		}
		server.kill('SIGTERM');
		await new Promise((r) => server.once('exit', r));
		const full = join(dir, 'full.json');
		directusCli(['schema', 'snapshot', '--yes', '--format', 'json', full], env, { quiet: true });
		const snapshot = suiteOnly(JSON.parse(readFileSync(full, 'utf8')));
		const target = join(ROOT, 'snapshots', 'ml-suite.json');
		writeFileSync(target, `${JSON.stringify(snapshot, null, '\t')}\n`);
		console.log(`[ml-suite] wrote ${target}: ${snapshot.collections.length} collections, ${snapshot.fields.length} fields, ${snapshot.relations.length} relations`);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}
