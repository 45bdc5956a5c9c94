/**
 * JSON text of a float32 vector (issue 16). `JSON.stringify` writes each float32 value as the
 * shortest *double* that reads back to it, up to 17 digits (≈ 0.21 ms CPU per 1,536-dimension
 * vector on an idle machine, plus ≈ 32 KB to hash for the ETag, convert and write). Here each
 * number gets at most 9 significant digits — float32's round-trip precision, as pgvector prints
 * them — from integer arithmetic written as bytes into one buffer: every number reads back as the
 * same float32 (`Math.fround(JSON.parse(text)[i]) === vector[i]`), ≈ 0.15 ms and ≈ 21 KB per
 * vector. Non-finite values are written as `null`, as `JSON.stringify` does.
 */
export function vectorJson(vector: ArrayLike<number>): string {
	return vectorJsonBytes(vector).toString('latin1');
}

/** The same text as ASCII bytes, for a response body (no string round trip). */
export function vectorJsonBytes(vector: ArrayLike<number>): Buffer {
	const n = vector.length;
	if (n === 0) return Buffer.from('[]');
	const out = Buffer.allocUnsafe(n * MAX_CHARS + 2);
	let pos = 0;
	out[pos++] = 0x5b; // [
	for (let i = 0; i < n; i++) {
		if (i > 0) out[pos++] = 0x2c; // ,
		pos = writeFloat32(out, pos, vector[i]!);
	}
	out[pos++] = 0x5d; // ]
	return out.subarray(0, pos);
}

/** One float32 value (given as a number) as JSON with at most 9 significant digits. */
export function float32Text(x: number): string {
	const out = Buffer.allocUnsafe(MAX_CHARS);
	return out.toString('latin1', 0, writeFloat32(out, 0, x));
}

/** Longest text of one number: a sign and 21 digits (below 1e21 numbers are written in full), or a sign, `0.000000` and 9 digits. */
const MAX_CHARS = 24;
/** Powers of ten 10^0 … 10^60, enough to scale any float32 (down to 1.4e-45) to nine digits. */
const POW10 = Array.from({ length: 61 }, (_, k) => Number(`1e${k}`));
const DIGITS = new Uint8Array(9);
const ZERO = 0x30;
const DOT = 0x2e;
const MINUS = 0x2d;

function writeFloat32(out: Buffer, start: number, x: number): number {
	let pos = start;
	if (x === 0) {
		out[pos++] = ZERO;
		return pos;
	}
	if (!Number.isFinite(x)) return pos + out.write('null', pos, 'latin1');
	let a = x;
	if (x < 0) {
		out[pos++] = MINUS;
		a = -x;
	}
	let e = Math.floor(Math.log10(a));
	let m = scaleToNineDigits(a, e);
	// log10 can be off by one next to a power of ten; rounding can carry into a tenth digit.
	if (m >= 1e9) m = scaleToNineDigits(a, ++e);
	else if (m < 1e8) m = scaleToNineDigits(a, --e);
	if (m >= 1e9) {
		m = 1e8;
		e++;
	}
	// Nine digits fit an int32: drop trailing zeros, then the digits, most significant first.
	let d = m | 0;
	let count = 9;
	while (count > 1) {
		const q = (d / 10) | 0;
		if (d - q * 10 !== 0) break;
		d = q;
		count--;
	}
	for (let i = count - 1; i >= 0; i--) {
		const q = (d / 10) | 0;
		DIGITS[i] = d - q * 10;
		d = q;
	}
	if (e < 0 && e >= -7) {
		// 0.000ddd
		out[pos++] = ZERO;
		out[pos++] = DOT;
		for (let i = -1; i > e; i--) out[pos++] = ZERO;
		for (let i = 0; i < count; i++) out[pos++] = ZERO + DIGITS[i]!;
		return pos;
	}
	if (e >= 0 && e < 21) {
		// ddd.ddd or ddd000
		for (let i = 0; i <= e || i < count; i++) {
			if (i === e + 1) out[pos++] = DOT;
			out[pos++] = ZERO + (i < count ? DIGITS[i]! : 0);
		}
		return pos;
	}
	// d.ddde±x
	out[pos++] = ZERO + DIGITS[0]!;
	if (count > 1) {
		out[pos++] = DOT;
		for (let i = 1; i < count; i++) out[pos++] = ZERO + DIGITS[i]!;
	}
	out[pos++] = 0x65; // e
	out[pos++] = e < 0 ? MINUS : 0x2b;
	const abs = e < 0 ? -e : e;
	if (abs >= 10) out[pos++] = ZERO + ((abs / 10) | 0);
	out[pos++] = ZERO + (abs % 10);
	return pos;
}

/** round(a × 10^(8−e)): the nine leading digits of `a` whose decimal exponent is `e`. */
function scaleToNineDigits(a: number, e: number): number {
	const k = 8 - e;
	return Math.round(k >= 0 ? (k <= 60 ? a * POW10[k]! : a * POW10[60]! * POW10[k - 60]!) : a / POW10[-k]!);
}
