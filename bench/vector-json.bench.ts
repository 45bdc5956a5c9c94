import { describe, it } from 'vitest';
import { vectorJsonBytes } from '../extensions/ml-suite/src/core/embeddings/vector-json.js';
import { intEnv } from './support/env.js';
import { Report } from './support/report.js';

/**
 * CPU of writing float32 vectors as JSON numbers (issue 16): the embedding routes' writer
 * (`vectorJsonBytes`, at most 9 significant digits, the same float32 values) against
 * `JSON.stringify` of the same numbers (what express's `res.json` does), in interleaved rounds.
 * Vectors are unit length with 1,536 dimensions, as an embedding model returns them.
 */
const VECTORS = intEnv('BENCH_VJ_VECTORS', 64);
const ROUNDS = intEnv('BENCH_VJ_ROUNDS', 5);
const REPEAT = intEnv('BENCH_VJ_REPEAT', 20);

function unitVector(seed: number): number[] {
	let state = seed * 2654435761 + 1;
	const values = Array.from({ length: 1536 }, () => {
		state = (state * 1103515245 + 12345) % 2 ** 31;
		return state / 2 ** 30 - 1;
	});
	const norm = Math.sqrt(values.reduce((sum, v) => sum + v * v, 0));
	const floats = new Float32Array(values.length);
	floats.set(values.map((v) => v / norm));
	return Array.prototype.slice.call(floats) as number[];
}

describe('vector json', () => {
	it('CPU per 1,536-dimension vector: vectorJsonBytes vs JSON.stringify', () => {
		const report = new Report('vector-json', { vectors: VECTORS, rounds: ROUNDS, repeat: REPEAT });
		const vectors = Array.from({ length: VECTORS }, (_, i) => unitVector(i + 1));
		const variants: [string, (v: number[]) => unknown][] = [
			['JSON.stringify', (v) => Buffer.from(JSON.stringify(v))],
			['vectorJsonBytes', (v) => vectorJsonBytes(v)],
		];
		const us: Record<string, number[]> = {};
		for (let round = 0; round < ROUNDS; round++) {
			for (const [name, write] of variants) {
				const before = process.cpuUsage();
				for (let r = 0; r < REPEAT; r++) for (const v of vectors) write(v);
				const used = process.cpuUsage(before);
				(us[name] ??= []).push((used.user + used.system) / (REPEAT * VECTORS));
			}
		}
		const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
		const stringify = median(us['JSON.stringify']!);
		const ours = median(us.vectorJsonBytes!);
		report.add('JSON.stringify, CPU per vector (median of rounds)', stringify, 'µs');
		report.add('vectorJsonBytes, CPU per vector (median of rounds)', ours, 'µs');
		report.add('vectorJsonBytes / JSON.stringify', ours / stringify, '×');
		report.save();
	});
});
