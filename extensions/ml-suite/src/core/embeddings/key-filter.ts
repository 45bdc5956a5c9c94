import { fmix32, FNV_OFFSET, fnvStep } from '../providers/hash32.js';

/** Bit positions per key: with 16 bits per key this gives ≈ 0.05% false "present" answers at capacity. */
const PROBES = 11;
const BITS_PER_KEY = 16;

/**
 * A Bloom filter over (model, hash) keys: "absent" is certain for every key added, "present" may
 * be wrong (≈ 0.05% of absent keys at `capacity`, more beyond it). The embedding cache asks it
 * before reading the database, so a text never cached costs no query (issue 16).
 */
export class KeyFilter {
	private readonly bits: Uint32Array;
	private readonly mask: number;
	private added = 0;

	constructor(readonly capacity: number) {
		let size = 1 << 16;
		while (size < capacity * BITS_PER_KEY && size < 2 ** 31) size *= 2;
		this.bits = new Uint32Array(size / 32);
		this.mask = size - 1;
	}

	/** Keys added so far (a key added twice counts twice). */
	get count(): number {
		return this.added;
	}

	/** True when more keys were added than it was sized for (false "present" answers grow). */
	get full(): boolean {
		return this.added > this.capacity;
	}

	add(model: string, hash: string): void {
		const h1 = keyHash(model, hash, 0);
		const h2 = keyHash(model, hash, 0x9e3779b9) | 1;
		for (let i = 0; i < PROBES; i++) {
			const bit = (h1 + Math.imul(i, h2)) & this.mask;
			this.bits[bit >>> 5]! |= 1 << (bit & 31);
		}
		this.added++;
	}

	mayContain(model: string, hash: string): boolean {
		const h1 = keyHash(model, hash, 0);
		const h2 = keyHash(model, hash, 0x9e3779b9) | 1;
		for (let i = 0; i < PROBES; i++) {
			const bit = (h1 + Math.imul(i, h2)) & this.mask;
			if ((this.bits[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
		}
		return true;
	}
}

/** FNV-1a over the model, a separator and the hash (UTF-16 code units), seeded, avalanched. */
function keyHash(model: string, hash: string, seed: number): number {
	let h = FNV_OFFSET ^ seed;
	for (let i = 0; i < model.length; i++) h = fnvStep(h, model.charCodeAt(i));
	h = fnvStep(h, 0);
	for (let i = 0; i < hash.length; i++) h = fnvStep(h, hash.charCodeAt(i));
	return fmix32(h);
}
