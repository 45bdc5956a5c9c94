import { gaussian, seededRandom } from './stats.js';

/**
 * Synthetic embeddings with structure: unit vectors scattered around `clusters` random centres
 * (as real embeddings cluster by topic). Uniform random vectors would make every neighbour
 * equally far, which is neither realistic nor a fair test of an approximate index.
 */
export class ClusteredVectors {
	readonly centres: Float32Array[];

	constructor(
		readonly dimensions: number,
		clusters: number,
		private readonly spread = 0.7,
		seed = 1234,
	) {
		const normal = gaussian(seededRandom(seed));
		this.centres = Array.from({ length: clusters }, () => this.unit(this.noise(1, normal)));
	}

	/** A normal source for `near`; the same seed gives the same vectors. */
	static source(seed: number): () => number {
		return gaussian(seededRandom(seed));
	}

	/** A unit vector near centre `cluster` (as a plain array, which is what stores take). */
	near(cluster: number, normal: () => number): number[] {
		const centre = this.centres[cluster % this.centres.length]!;
		const v = this.noise(this.spread, normal);
		for (let i = 0; i < v.length; i++) v[i]! += centre[i]!;
		return Array.from(this.unit(v));
	}

	private noise(scale: number, normal: () => number): Float32Array {
		const v = new Float32Array(this.dimensions);
		const s = scale / Math.sqrt(this.dimensions);
		for (let i = 0; i < v.length; i++) v[i] = normal() * s;
		return v;
	}

	private unit(v: Float32Array): Float32Array {
		let sum = 0;
		for (const x of v) sum += x * x;
		const inv = 1 / Math.sqrt(sum);
		for (let i = 0; i < v.length; i++) v[i]! *= inv;
		return v;
	}
}
