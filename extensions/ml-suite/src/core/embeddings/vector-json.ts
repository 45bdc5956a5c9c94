/**
 * JSON text of a float32 vector (issue 16). `JSON.stringify` writes each float32 value as the
 * shortest *double* that reads back to it, up to 17 digits (≈ 0.21 ms CPU per 1,536-dimension
 * vector on an idle machine, plus ≈ 32 KB to hash for the ETag, convert and write). Here each
 * number gets at most 9 significant digits — float32's round-trip precision, as pgvector prints
 * them — from integer arithmetic written as bytes into one buffer: every number reads back as the
 * same float32 (`Math.fround(JSON.parse(text)[i]) === vector[i]`), ≈ 0.15 ms and ≈ 21 KB per
 * vector. Non-finite values are written as `null`, as `JSON.stringify` does.
 *
 * Per number (issue 16, fifth round; writing the numbers was 34% of a 32-text
 * `/ml/embeddings/batch` call's CPU): the decimal exponent comes from comparisons with a table of
 * powers of ten, not `Math.log10`, and the nine digits are written two at a time from a table, the
 * trailing zeros then dropped from the bytes: ≈ 73 instead of ≈ 175 µs per 1,536 numbers
 * (the same bytes; `npm run bench -- bench/vector-json.bench.ts`).
 */
export function vectorJson(vector: ArrayLike<number>): string {
	return vectorJsonBytes(vector).toString('latin1');
}

/** The same text as ASCII bytes, for a response body (no string round trip). */
export function vectorJsonBytes(vector: ArrayLike<number>): Buffer {
	const out = Buffer.allocUnsafe(vectorJsonMaxBytes(vector.length));
	return out.subarray(0, writeVectorJson(out, 0, vector));
}

/** Most bytes `writeVectorJson` writes for a vector of `length` numbers. */
export function vectorJsonMaxBytes(length: number): number {
	return length * (MAX_CHARS + 1) + 2;
}

/**
 * Writes the vector's JSON at `out[start …]` and returns the end: for a body of several vectors
 * written into one buffer (no buffer per vector, no concatenation). `out` must have
 * `vectorJsonMaxBytes(vector.length)` bytes from `start`.
 */
export function writeVectorJson(out: Buffer, start: number, vector: ArrayLike<number>): number {
	const n = vector.length;
	let pos = start;
	out[pos++] = 0x5b; // [
	for (let i = 0; i < n; i++) {
		if (i > 0) out[pos++] = 0x2c; // ,
		pos = writeFloat32(out, pos, vector[i]!);
	}
	out[pos++] = 0x5d; // ]
	return pos;
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
/** 10^0 … 10^-60, as the literals read (the nearest doubles). */
const NEG_POW10 = Array.from({ length: 61 }, (_, k) => Number(`1e-${k}`));
const DIGITS = new Uint8Array(9);
const ZERO = 0x30;
const DOT = 0x2e;
const MINUS = 0x2d;
/** The ASCII digits of 00 … 99, two bytes each. */
const PAIRS = new Uint8Array(200);
for (let i = 0; i < 100; i++) {
	PAIRS[2 * i] = ZERO + ((i / 10) | 0);
	PAIRS[2 * i + 1] = ZERO + (i % 10);
}

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
	let e = decimalExponent(a);
	let m = scaleToNineDigits(a, e);
	// log10 can be off by one next to a power of ten; rounding can carry into a tenth digit.
	if (m >= 1e9) m = scaleToNineDigits(a, ++e);
	else if (m < 1e8) m = scaleToNineDigits(a, --e);
	if (m >= 1e9) {
		m = 1e8;
		e++;
	}
	if (e < 0 && e >= -7) {
		// 0.000ddd — embedding values nearly all are: nine digits in pairs, trailing zeros dropped.
		out[pos++] = ZERO;
		out[pos++] = DOT;
		for (let i = -1; i > e; i--) out[pos++] = ZERO;
		writeNineDigits(out, pos, m);
		pos += 9;
		while (out[pos - 1] === ZERO) pos--;
		return pos;
	}
	return writeOtherMagnitude(out, pos, m, e);
}

/** 10^8 ≤ m < 10^9 with decimal exponent e outside [−7, −1]: ddd.ddd, ddd000 or d.ddde±x. Kept apart so the common path stays small. */
function writeOtherMagnitude(out: Buffer, start: number, m: number, e: number): number {
	let pos = start;
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

/**
 * ⌊log10 a⌋ for a > 0, from comparisons with the tables (a few for the values embeddings hold);
 * it can be one off next to a power of ten, which the caller corrects as for `Math.log10`.
 */
function decimalExponent(a: number): number {
	if (a < 1) {
		let e = -1;
		while (e > -60 && a < NEG_POW10[-e]!) e--;
		return e;
	}
	let e = 0;
	while (e < 60 && a >= POW10[e + 1]!) e++;
	return e;
}

/** The nine digits of 10^8 ≤ m < 10^9 at out[pos … pos + 8], two at a time (unrolled: measurably faster than a loop). */
function writeNineDigits(out: Buffer, pos: number, m: number): void {
	let rest = m | 0;
	let q = (rest / 100) | 0;
	let pair = (rest - q * 100) * 2;
	out[pos + 7] = PAIRS[pair]!;
	out[pos + 8] = PAIRS[pair + 1]!;
	rest = q;
	q = (rest / 100) | 0;
	pair = (rest - q * 100) * 2;
	out[pos + 5] = PAIRS[pair]!;
	out[pos + 6] = PAIRS[pair + 1]!;
	rest = q;
	q = (rest / 100) | 0;
	pair = (rest - q * 100) * 2;
	out[pos + 3] = PAIRS[pair]!;
	out[pos + 4] = PAIRS[pair + 1]!;
	rest = q;
	q = (rest / 100) | 0;
	pair = (rest - q * 100) * 2;
	out[pos + 1] = PAIRS[pair]!;
	out[pos + 2] = PAIRS[pair + 1]!;
	out[pos] = ZERO + q;
}

/** round(a × 10^(8−e)): the nine leading digits of `a` whose decimal exponent is `e`. */
function scaleToNineDigits(a: number, e: number): number {
	const k = 8 - e;
	return Math.round(k >= 0 ? (k <= 60 ? a * POW10[k]! : a * POW10[60]! * POW10[k - 60]!) : a / POW10[-k]!);
}
