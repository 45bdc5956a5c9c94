/**
 * A WebAssembly SIMD kernel for the embedded store's exact search: dot products of one query
 * against every row of a matrix held in WebAssembly memory, four float lanes at a time. It is
 * several times faster than the scalar JavaScript loop for 384-d vectors and falls back to
 * `null` (the caller keeps the JS loop) where WebAssembly SIMD is unavailable.
 *
 * The module is assembled here from its bytes (it is 150 bytes; a toolchain would be a heavier
 * dependency than the code it builds). Its one export:
 *   dots(query: ptr, matrix: ptr, rows: u32, rowBytes: u32, out: ptr)
 * writes `rows` float32 scores to `out`. `rowBytes` must be a multiple of 16.
 */
export interface DotKernel {
	readonly memory: WebAssembly.Memory;
	dots(queryPtr: number, matrixPtr: number, rows: number, rowBytes: number, outPtr: number): void;
}

function section(id: number, body: number[]): number[] {
	return [id, ...leb128(body.length), ...body];
}

function leb128(value: number): number[] {
	const out: number[] = [];
	let v = value >>> 0;
	do {
		let byte = v & 0x7f;
		v >>>= 7;
		if (v !== 0) byte |= 0x80;
		out.push(byte);
	} while (v !== 0);
	return out;
}

const str = (s: string): number[] => [s.length, ...[...s].map((c) => c.charCodeAt(0))];

// Opcodes (core and SIMD proposal, now standard).
const I32 = 0x7f;
const V128 = 0x7b;
const [BLOCK, LOOP, END, BR_IF, LOCAL_GET, LOCAL_SET, LOCAL_TEE] = [0x02, 0x03, 0x0b, 0x0d, 0x20, 0x21, 0x22];
const [I32_CONST, I32_EQZ, I32_LT_U, I32_ADD, I32_SUB, F32_ADD, F32_STORE] = [0x41, 0x45, 0x49, 0x6a, 0x6b, 0x92, 0x38];
const SIMD = 0xfd;
const V128_LOAD = [SIMD, 0x00, 0x00, 0x00]; // align 0, offset 0
const V128_ZERO = [SIMD, 0x0c, ...new Array<number>(16).fill(0)];
const F32X4_MUL = [SIMD, 0xe6, 0x01];
const F32X4_ADD = [SIMD, 0xe4, 0x01];
const lane = (n: number): number[] => [SIMD, 0x1f, n];

// Parameters: 0 query, 1 matrix, 2 rows, 3 rowBytes, 4 out. Locals: 5 i (i32), 6 acc (v128).
const [Q, M, ROWS, ROW_BYTES, OUT, I, ACC] = [0, 1, 2, 3, 4, 5, 6];

const code: number[] = [
	BLOCK, 0x40,
	LOCAL_GET, ROWS, I32_EQZ, BR_IF, 0,
	LOOP, 0x40,
	...V128_ZERO, LOCAL_SET, ACC,
	I32_CONST, 0, LOCAL_SET, I,
	LOOP, 0x40,
	LOCAL_GET, ACC,
	LOCAL_GET, Q, LOCAL_GET, I, I32_ADD, ...V128_LOAD,
	LOCAL_GET, M, LOCAL_GET, I, I32_ADD, ...V128_LOAD,
	...F32X4_MUL, ...F32X4_ADD, LOCAL_SET, ACC,
	LOCAL_GET, I, I32_CONST, 16, I32_ADD, LOCAL_TEE, I,
	LOCAL_GET, ROW_BYTES, I32_LT_U, BR_IF, 0,
	END,
	LOCAL_GET, OUT,
	LOCAL_GET, ACC, ...lane(0),
	LOCAL_GET, ACC, ...lane(1), F32_ADD,
	LOCAL_GET, ACC, ...lane(2), F32_ADD,
	LOCAL_GET, ACC, ...lane(3), F32_ADD,
	F32_STORE, 0x02, 0x00,
	LOCAL_GET, OUT, I32_CONST, 4, I32_ADD, LOCAL_SET, OUT,
	LOCAL_GET, M, LOCAL_GET, ROW_BYTES, I32_ADD, LOCAL_SET, M,
	LOCAL_GET, ROWS, I32_CONST, 1, I32_SUB, LOCAL_TEE, ROWS,
	BR_IF, 0,
	END,
	END,
	END,
];

const body = [0x02, 0x01, I32, 0x01, V128, ...code];

const MODULE_BYTES = new Uint8Array([
	0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
	...section(1, [0x01, 0x60, 0x05, I32, I32, I32, I32, I32, 0x00]),
	...section(2, [0x01, ...str('env'), ...str('memory'), 0x02, 0x00, 0x00]),
	...section(3, [0x01, 0x00]),
	...section(7, [0x01, ...str('dots'), 0x00, 0x00]),
	...section(10, [0x01, ...leb128(body.length), ...body]),
]);

let compiled: WebAssembly.Module | null | undefined;

function compile(): WebAssembly.Module | null {
	if (compiled !== undefined) return compiled;
	try {
		compiled = WebAssembly.validate(MODULE_BYTES) ? new WebAssembly.Module(MODULE_BYTES) : null;
	} catch {
		compiled = null;
	}
	return compiled;
}

/** A kernel with its own memory of `initialBytes` (grown by the caller), or null without SIMD. */
export function createDotKernel(initialBytes: number): DotKernel | null {
	const module = compile();
	if (!module) return null;
	const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(initialBytes / 65_536)) });
	const instance = new WebAssembly.Instance(module, { env: { memory } });
	const dots = instance.exports.dots as DotKernel['dots'];
	return { memory, dots };
}

/**
 * The JavaScript fallback of the kernel, for any dimension count: dot products of `query` with
 * the first `rows` rows of `vectors` (row-major, `dims` floats per row).
 */
export function scalarDots(vectors: Float32Array, rows: number, dims: number, query: Float32Array): Float32Array {
	const scores = new Float32Array(rows);
	for (let row = 0; row < rows; row++) {
		// Four accumulators let the CPU overlap the multiply-adds.
		const base = row * dims;
		let d0 = 0;
		let d1 = 0;
		let d2 = 0;
		let d3 = 0;
		let i = 0;
		for (; i + 3 < dims; i += 4) {
			d0 += (vectors[base + i] as number) * (query[i] as number);
			d1 += (vectors[base + i + 1] as number) * (query[i + 1] as number);
			d2 += (vectors[base + i + 2] as number) * (query[i + 2] as number);
			d3 += (vectors[base + i + 3] as number) * (query[i + 3] as number);
		}
		for (; i < dims; i++) d0 += (vectors[base + i] as number) * (query[i] as number);
		scores[row] = d0 + d1 + d2 + d3;
	}
	return scores;
}
