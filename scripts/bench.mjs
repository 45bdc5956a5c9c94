#!/usr/bin/env node
// `npm run bench`: runs the benchmarks in bench/ (vitest, bench/vitest.bench.config.ts) under
// Node 22 and prints a summary of every figure that has a target. Extra arguments go to vitest
// (e.g. `npm run bench -- bench/search.bench.ts`); sizes scale down with BENCH_* variables.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { nodeBinary, reexecUnderNode22, ROOT } from './lib/runtime.mjs';

if (!reexecUnderNode22()) {
	const runId = `${new Date().toISOString()}-${randomBytes(3).toString('hex')}`;
	const tmp = join(ROOT, 'bench', '.tmp', `run-${process.pid}`);
	const result = spawnSync(
		nodeBinary(),
		[join(ROOT, 'node_modules', 'vitest', 'vitest.mjs'), 'run', '--config', join(ROOT, 'bench', 'vitest.bench.config.ts'), ...process.argv.slice(2)],
		{ cwd: ROOT, stdio: 'inherit', env: { ...process.env, BENCH_RUN_ID: runId, BENCH_TMP: tmp } },
	);
	rmSync(tmp, { recursive: true, force: true });
	printSummary(runId);
	process.exit(result.status ?? 1);
}

function printSummary(runId) {
	const file = join(ROOT, 'bench', 'results', 'latest.json');
	if (!existsSync(file)) return;
	const data = JSON.parse(readFileSync(file, 'utf8'));
	if (data.runId !== runId) return;
	console.log('\n=== Summary (targets) — full figures in bench/results/latest.json ===');
	for (const section of Object.values(data.sections)) {
		for (const figure of section.figures) {
			if (!figure.target) continue;
			const target = 'max' in figure.target ? `≤ ${figure.target.max}` : `≥ ${figure.target.min}`;
			console.log(`${figure.met ? 'MET    ' : 'NOT MET'}  ${section.section.padEnd(7)} ${figure.name.padEnd(60)} ${String(figure.value).padStart(12)} ${figure.unit.padEnd(6)} target ${target}`);
		}
	}
}
