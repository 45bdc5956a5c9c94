import { endianness } from 'node:os';
import { encodeVector } from './knex-embedding-cache.js';

const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * A vector as base64 of little-endian float32 bytes, the format OpenAI's embeddings API returns
 * for `encoding_format: "base64"` (clients decode it with `Float32Array`). About a quarter of
 * the JSON size of the numbers, and far cheaper to serialise.
 */
export function encodeBase64Vector(vector: readonly number[]): string {
	if (!LITTLE_ENDIAN) return encodeVector(vector).toString('base64');
	const floats = Float32Array.from(vector);
	return Buffer.from(floats.buffer, floats.byteOffset, floats.byteLength).toString('base64');
}
