#!/usr/bin/env node
// Summarises a V8 .cpuprofile (node --cpu-prof): self time by function and by package, and the
// inclusive share of chosen frames (default: lodash baseClone, getSchema, JSON stringify).
// Percentages are of busy samples (idle excluded); --skip-ms=N drops the first N ms (start-up),
// --last-ms=N keeps only the last N ms (the load phase when the process stopped right after it).
// Usage: node bench/summarize-cpu-profile.mjs <file.cpuprofile> [--skip-ms=N | --last-ms=N] [frame-name ...]
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const lastMs = Number(args.find((a) => a.startsWith('--last-ms='))?.slice(10) ?? 0);
const [file, ...focus] = args.filter((a) => !a.startsWith('--'));
if (!file) {
	console.error('usage: summarize-cpu-profile.mjs <file.cpuprofile> [frame-name ...]');
	process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8'));
const lengthMs = (profile.timeDeltas ?? []).reduce((a, b) => a + b, 0) / 1000;
const skipMs = lastMs > 0 ? Math.max(0, lengthMs - lastMs) : Number(args.find((a) => a.startsWith('--skip-ms='))?.slice(10) ?? 0);
const frames = focus.length > 0 ? focus : ['baseClone', 'getSchema', 'stringify', 'setMany', 'getMany', 'verify', 'acquireConnection'];
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const self = new Map();
let elapsed = 0;
profile.samples.forEach((id, i) => {
	elapsed += (profile.timeDeltas?.[i] ?? 0) / 1000;
	if (elapsed < skipMs) return;
	const name = byId.get(id).callFrame.functionName;
	if (name === '(idle)') return;
	self.set(id, (self.get(id) ?? 0) + 1);
});
const total = [...self.values()].reduce((a, b) => a + b, 0);

const pkg = (url) => {
	if (!url) return '(native/idle)';
	const m = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/g);
	if (m) return m.at(-1).replace('node_modules/', '');
	if (url.includes('ml-suite')) return 'ml-suite';
	return url.startsWith('node:') ? 'node core' : url.split('/').slice(-2).join('/');
};
const fnKey = (n) => `${n.callFrame.functionName || '(anonymous)'} ${pkg(n.callFrame.url)}`;

const bySelf = new Map();
const byPkg = new Map();
for (const [id, count] of self) {
	const n = byId.get(id);
	bySelf.set(fnKey(n), (bySelf.get(fnKey(n)) ?? 0) + count);
	byPkg.set(pkg(n.callFrame.url), (byPkg.get(pkg(n.callFrame.url)) ?? 0) + count);
}
const pct = (c) => `${((c / total) * 100).toFixed(1).padStart(5)}%`;
console.log(`${file}: ${total} busy samples after ${skipMs.toFixed(0)} ms (of ${lengthMs.toFixed(0)} ms)`);
console.log('\nSelf time by package:');
for (const [k, c] of [...byPkg].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${pct(c)}  ${k}`);
console.log('\nSelf time by function:');
for (const [k, c] of [...bySelf].sort((a, b) => b[1] - a[1]).slice(0, 20)) console.log(`  ${pct(c)}  ${k}`);
console.log('\nInclusive time of frames:');
for (const name of frames) {
	let count = 0;
	for (const [id, c] of self) {
		for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
			if (byId.get(cur).callFrame.functionName === name) {
				count += c;
				break;
			}
		}
	}
	console.log(`  ${pct(count)}  ${name}`);
}
