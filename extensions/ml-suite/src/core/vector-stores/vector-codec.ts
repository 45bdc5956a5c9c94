import { endianness } from 'node:os';

/**
 * Vectors are stored as Float32 little-endian bytes, so a row is 4 × dimensions bytes and the
 * same bytes load on any platform.
 */
const LITTLE_ENDIAN = endianness() === 'LE';

/** Encodes a vector as Float32 little-endian bytes. */
export function encodeFloat32(vector: readonly number[]): Buffer {
	const buffer = Buffer.allocUnsafe(vector.length * 4);
	if (LITTLE_ENDIAN) {
		new Float32Array(buffer.buffer, buffer.byteOffset, vector.length).set(vector);
		return buffer;
	}
	for (let i = 0; i < vector.length; i++) buffer.writeFloatLE(vector[i] ?? 0, i * 4);
	return buffer;
}

/**
 * Decodes Float32 little-endian bytes into `target` at element `offset`. Copies bytes rather than
 * viewing them, because driver buffers are not guaranteed to be 4-byte aligned.
 */
export function decodeFloat32Into(bytes: Uint8Array, target: Float32Array, offset: number, dimensions: number): void {
	if (bytes.byteLength !== dimensions * 4) {
		throw new RangeError(`Stored vector has ${bytes.byteLength} bytes; expected ${dimensions * 4}.`);
	}
	if (LITTLE_ENDIAN) {
		new Uint8Array(target.buffer, target.byteOffset + offset * 4, dimensions * 4).set(bytes);
		return;
	}
	const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
	for (let i = 0; i < dimensions; i++) target[offset + i] = view.getFloat32(i * 4, true);
}

/** Scales `target[offset .. offset+dimensions)` to unit length. A zero row stays zero. */
export function normaliseInPlace(target: Float32Array, offset: number, dimensions: number): void {
	let sum = 0;
	for (let i = offset; i < offset + dimensions; i++) {
		const v = target[i] as number;
		sum += v * v;
	}
	if (sum === 0) return;
	const scale = 1 / Math.sqrt(sum);
	for (let i = offset; i < offset + dimensions; i++) target[i] = (target[i] as number) * scale;
}
