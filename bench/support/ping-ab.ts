import { readFileSync } from 'node:fs';
import type { DirectusInstance } from '../../test/support/directus.js';
import { runLoad } from './http-load.js';
import { median } from './stats.js';

/** One instance in a /server/ping comparison. */
export interface PingSide {
	label: string;
	d: DirectusInstance;
}

export interface PingRound {
	rps: number;
	/** Server CPU (user + system) per response, ms. */
	cpuMs: number;
	/** Garbage collections during the round and their summed pause (only with the gc tally preloaded). */
	gcCount?: number;
	gcMs?: number;
	/** Of those, full (mark-compact) collections and their pause. */
	majorGcCount?: number;
	majorGcMs?: number;
}

export interface PingOptions {
	rounds: number;
	roundMs: number;
	connections: number;
	/** Load on every side before the first round (JIT, connection pools). Default: one round. */
	warmupMs?: number;
	/** Read GC counts per round from `bench/support/gc-tally.mjs` (preloaded with NODE_OPTIONS). */
	gcTally?: boolean;
	/** The route measured. Default: `GET /server/ping`, no token. */
	request?: (side: PingSide) => { path: string; headers?: Record<string, string> };
}

/** Resident set size of a process, MB (Linux /proc). */
export function rssMb(pid: number): number {
	const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
	return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** Asks a process that preloaded gc-tally.mjs for its running GC totals. */
async function readGcTally(d: DirectusInstance): Promise<{ count: number; ms: number; heapUsed: number; promiseHooks: boolean; majorCount: number; majorMs: number }> {
	const before = d.logs().split('[gc-tally]').length;
	process.kill(d.pid, 'SIGUSR2');
	for (let i = 0; i < 200; i++) {
		const parts = d.logs().split('[gc-tally]');
		if (parts.length > before) {
			const [count, ms, heapUsed, hooks, majorCount, majorMs] = (parts.at(-1) ?? '').trim().split(/\s+/).map(Number);
			return { count: count ?? Number.NaN, ms: ms ?? Number.NaN, heapUsed: heapUsed ?? Number.NaN, promiseHooks: hooks === 1, majorCount: majorCount ?? Number.NaN, majorMs: majorMs ?? Number.NaN };
		}
		await new Promise((resolve) => setTimeout(resolve, 10));
	}
	throw new Error('no [gc-tally] line from the Directus process (was bench/support/gc-tally.mjs preloaded?)');
}

/** Heap in use (MB) and whether async hooks track promises, as the gc tally reports them. */
export async function processState(d: DirectusInstance): Promise<{ heapUsedMb: number; promiseHooks: boolean }> {
	const t = await readGcTally(d);
	return { heapUsedMb: t.heapUsed / 2 ** 20, promiseHooks: t.promiseHooks };
}

/**
 * GET /server/ping (or `options.request`'s route) on every side in many short rounds. The order
 * rotates every round (and reverses every other one), so a drift of the shared machine's load hits
 * every side alike; compare sides with {@link roundRatios}, a per-round ratio, not with totals.
 */
export async function pingRounds(sides: PingSide[], options: PingOptions & { beforeRound?: (side: PingSide) => Promise<void> }): Promise<Map<string, PingRound[]>> {
	const load = (side: PingSide, durationMs: number): ReturnType<typeof runLoad> =>
		runLoad(side.d.url, { method: 'GET', ...(options.request?.(side) ?? { path: '/server/ping' }) }, { connections: options.connections, durationMs, serverPid: side.d.pid });
	for (const side of sides) await load(side, options.warmupMs ?? options.roundMs);
	const out = new Map<string, PingRound[]>(sides.map((s) => [s.label, []]));
	for (let round = 0; round < options.rounds; round++) {
		const rotated = sides.map((_, i) => sides[(i + round) % sides.length]!);
		const order = round % 2 === 0 ? rotated : rotated.reverse();
		for (const side of order) {
			const { label, d } = side;
			await options.beforeRound?.(side);
			const gcBefore = options.gcTally ? await readGcTally(d) : null;
			const r = await load(side, options.roundMs);
			if (r.errors > 0) throw new Error(`${label}: ${r.errors} failed requests`);
			const entry: PingRound = { rps: r.rps, cpuMs: r.cpuMsPerResponse ?? Number.NaN };
			if (gcBefore) {
				const gcAfter = await readGcTally(d);
				entry.gcCount = gcAfter.count - gcBefore.count;
				entry.gcMs = gcAfter.ms - gcBefore.ms;
				entry.majorGcCount = gcAfter.majorCount - gcBefore.majorCount;
				entry.majorGcMs = gcAfter.majorMs - gcBefore.majorMs;
			}
			out.get(label)!.push(entry);
		}
	}
	return out;
}

/** Median, lowest and highest of the per-round ratios `pick(side) / pick(reference)`. */
export function roundRatios(rounds: Map<string, PingRound[]>, side: string, reference: string, pick: (r: PingRound) => number): { median: number; min: number; max: number } {
	const a = rounds.get(side) ?? [];
	const b = rounds.get(reference) ?? [];
	const ratios = a.map((r, i) => pick(r) / pick(b[i]!));
	return { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) };
}
