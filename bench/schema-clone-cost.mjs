#!/usr/bin/env node
// Directus core's per-request schema cost, reproducibly: loads the SchemaOverview of a Directus
// database with Directus's own getSchema, then times Directus's own unfreezeSchema (the lodash
// cloneDeep that getMemorySchemaCache runs for every request unless CACHE_SCHEMA_FREEZE_ENABLED
// is true), for the database as it is and with N more 12-field collections added to the copy.
//
//   node bench/schema-clone-cost.mjs [path/to/directus.db]
//
// Without a path it bootstraps a scratch SQLite database (plain Directus, no suite tables).
// Prints the Directus version, collection and field counts, and microseconds per clone.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { directusCli, reexecUnderNode22, resolveEnv, ROOT } from '../scripts/lib/runtime.mjs';

if (!reexecUnderNode22()) await main();

async function main() {
	let file = process.argv[2];
	let scratch = null;
	if (!file) {
		scratch = mkdtempSync(join(tmpdir(), 'schema-clone-'));
		file = join(scratch, 'directus.db');
		const env = await resolveEnv({ DB_CLIENT: 'sqlite3', DB_FILENAME: file, ADMIN_EMAIL: 'clone@example.com', ADMIN_PASSWORD: 'clone-password', SECRET: 'schema-clone-cost-secret-0123456789abcdef', LOG_LEVEL: 'warn' });
		directusCli(['bootstrap'], env, { quiet: true });
	}
	Object.assign(process.env, { DB_CLIENT: 'sqlite3', DB_FILENAME: file, LOG_LEVEL: 'warn', SECRET: 'schema-clone-cost-secret-0123456789abcdef' });
	const require = createRequire(join(ROOT, 'package.json'));
	const apiPackage = require.resolve('@directus/api/package.json');
	const version = JSON.parse(readFileSync(join(ROOT, 'node_modules', 'directus', 'package.json'), 'utf8')).version;
	const { getSchema } = await import(join(apiPackage, '..', 'dist', 'utils', 'get-schema.js'));
	const { freezeSchema, unfreezeSchema } = await import(join(apiPackage, '..', 'dist', 'utils', 'freeze-schema.js'));

	const base = await getSchema({ bypassCache: true });
	console.log(`Directus ${version} (@directus/api ${JSON.parse(readFileSync(apiPackage, 'utf8')).version}), Node ${process.version}, database ${file}`);
	console.log('extra collections | collections | fields | relations | µs per clone (p50 of 400) | µs per frozen read');
	for (const extra of [0, 10, 25, 50]) {
		const copy = JSON.parse(JSON.stringify(base));
		const template = Object.values(copy.collections).find((c) => c.collection === 'directus_users') ?? Object.values(copy.collections)[0];
		const fields = Object.fromEntries(Object.entries(template.fields).slice(0, 12));
		for (let i = 0; i < extra; i++) copy.collections[`extra_${i}`] = { ...JSON.parse(JSON.stringify(template)), collection: `extra_${i}`, fields: JSON.parse(JSON.stringify(fields)) };
		const frozen = freezeSchema(copy);
		const fieldCount = Object.values(frozen.collections).reduce((n, c) => n + Object.keys(c.fields).length, 0);
		const time = (fn) => {
			for (let i = 0; i < 50; i++) fn();
			const samples = [];
			for (let i = 0; i < 400; i++) {
				const t = process.hrtime.bigint();
				fn();
				samples.push(Number(process.hrtime.bigint() - t) / 1000);
			}
			return samples.sort((a, b) => a - b)[200];
		};
		const clone = time(() => unfreezeSchema(frozen));
		const read = time(() => (Object.isFrozen(frozen) ? frozen : null));
		console.log(`${String(extra).padStart(17)} | ${String(Object.keys(frozen.collections).length).padStart(11)} | ${String(fieldCount).padStart(6)} | ${String(frozen.relations.length).padStart(9)} | ${clone.toFixed(0).padStart(25)} | ${read.toFixed(2).padStart(18)}`);
	}
	if (scratch) rmSync(scratch, { recursive: true, force: true });
	process.exit(0);
}
