import { encodeVector } from './knex-embedding-cache.js';

/**
 * A vector as base64 of little-endian float32 bytes, the format OpenAI's embeddings API returns
 * for `encoding_format: "base64"` (clients decode it with `Float32Array`). About a quarter of
 * the JSON size of the numbers, and far cheaper to serialise.
 */
export function encodeBase64Vector(vector: readonly number[]): string {
	return encodeVector(vector).toString('base64');
}
