/**
 * 32-bit hashing for feature hashing: FNV-1a over UTF-16 code units, finished with
 * MurmurHash3's `fmix32` so that every input bit affects every output bit (plain FNV-1a has
 * weak low bits, and feature hashing takes the bucket from them). Works on a range of a
 * string, so callers hash words and n-grams without slicing substrings.
 */
export const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/** Folds one code unit into a running FNV-1a state. */
export function fnvStep(state: number, code: number): number {
	return Math.imul(state ^ code, FNV_PRIME);
}

/** MurmurHash3 finaliser: avalanches a 32-bit state; returns an unsigned 32-bit integer. */
export function fmix32(h: number): number {
	h ^= h >>> 16;
	h = Math.imul(h, 0x85ebca6b);
	h ^= h >>> 13;
	h = Math.imul(h, 0xc2b2ae35);
	h ^= h >>> 16;
	return h >>> 0;
}

/** Hash of `text.slice(start, end)` (code units), seeded. */
export function hashRange(text: string, start: number, end: number, seed: number): number {
	let h = FNV_OFFSET ^ seed;
	for (let i = start; i < end; i++) h = fnvStep(h, text.charCodeAt(i));
	return fmix32(h);
}

/** Order-dependent combination of two hashes (for word bigrams). */
export function combineHashes(a: number, b: number, seed: number): number {
	return fmix32(Math.imul(a ^ seed, 0x9e3779b1) ^ b);
}
