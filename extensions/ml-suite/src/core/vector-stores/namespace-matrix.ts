import { setImmediate as nextTick } from 'node:timers/promises';
import { createDotKernel, scalarDots, type DotKernel } from './simd-dot-kernel.js';
import { TopK } from './top-k.js';
import type { MetadataValue } from './types.js';
import { decodeFloat32Into, normaliseInPlace } from './vector-codec.js';

type Metadata = Readonly<Record<string, MetadataValue>>;

const NO_METADATA: Metadata = Object.freeze({});

/** Vector floats scored between two yields to the event loop (8 MB: about a millisecond with the SIMD kernel). */
const SLICE_FLOATS = 2 ** 21;

/** One search hit: the row it came from and its cosine similarity. */
export interface MatrixHit {
	row: number;
	score: number;
}

/**
 * The embedded store's in-memory copy of one namespace: a single contiguous Float32Array of
 * unit-length vectors plus parallel arrays, so 100k × 384 costs about the raw 150 MB and a
 * search is one linear pass of dot products. Chunk content is never held here.
 */
export class NamespaceMatrix {
	/** Namespace version this copy reflects (at least; see EmbeddedVectorStore). */
	version: number;
	readonly dimensions: number;
	private vectors: Float32Array;
	private capacity: number;
	private rows = 0;
	private readonly ids: string[] = [];
	private readonly itemKeys: string[] = [];
	private readonly chunkIndexes: number[] = [];
	private readonly metadata: Metadata[] = [];
	private readonly rowById = new Map<string, number>();
	/**
	 * With WebAssembly SIMD, the vectors live in the kernel's memory: [query | vectors | scores].
	 * The query slot is padded to 16 bytes so rows stay aligned for 4-lane loads.
	 */
	private readonly kernel: DotKernel | null;
	private readonly vectorsOffset: number;
	/** Bumped by every change of rows or storage: a sliced search that sees it move starts again. */
	private changes = 0;
	/** The last search queued (searches run one at a time). */
	private searching: Promise<unknown> = Promise.resolve();

	constructor(dimensions: number, version: number, initialCapacity = 64) {
		this.dimensions = dimensions;
		this.version = version;
		this.capacity = Math.max(1, initialCapacity);
		this.vectorsOffset = Math.ceil((dimensions * 4) / 16) * 16;
		this.kernel = dimensions % 4 === 0 ? createDotKernel(this.bytesFor(this.capacity)) : null;
		this.vectors = this.kernel
			? new Float32Array(this.kernel.memory.buffer, this.vectorsOffset, this.capacity * dimensions)
			: new Float32Array(this.capacity * dimensions);
	}

	private bytesFor(capacity: number): number {
		return this.vectorsOffset + capacity * this.dimensions * 4 + capacity * 4;
	}

	get size(): number {
		return this.rows;
	}

	id(row: number): string {
		return this.ids[row] as string;
	}

	itemKey(row: number): string {
		return this.itemKeys[row] as string;
	}

	chunkIndex(row: number): number {
		return this.chunkIndexes[row] as number;
	}

	metadataOf(row: number): Metadata {
		return this.metadata[row] ?? NO_METADATA;
	}

	/** Inserts or replaces a row from stored bytes (Float32 little-endian). */
	setFromBytes(id: string, itemKey: string, chunkIndex: number, metadata: Metadata, bytes: Uint8Array): void {
		const row = this.rowFor(id);
		decodeFloat32Into(bytes, this.vectors, row * this.dimensions, this.dimensions);
		this.finishRow(row, id, itemKey, chunkIndex, metadata);
	}

	/** Inserts or replaces a row from a plain vector. */
	setFromVector(id: string, itemKey: string, chunkIndex: number, metadata: Metadata, vector: readonly number[]): void {
		const row = this.rowFor(id);
		this.vectors.set(vector, row * this.dimensions);
		this.finishRow(row, id, itemKey, chunkIndex, metadata);
	}

	/** Removes every row the predicate selects; returns how many. */
	removeWhere(predicate: (row: number) => boolean): number {
		let removed = 0;
		// Walk backwards so the swap-with-last removal never skips a row.
		for (let row = this.rows - 1; row >= 0; row--) {
			if (!predicate(row)) continue;
			this.removeRow(row);
			removed++;
		}
		return removed;
	}

	/**
	 * Exact cosine search. `query` must be unit length. Rows failing `accept` or scoring below
	 * `minScore` are skipped. Returns at most `limit` hits, best first; with `perItem`, at most
	 * one hit per item key (its best row) and `limit` counts items.
	 *
	 * The dot products are computed in slices with a yield to the event loop between them, so a
	 * search of a large namespace never holds the loop for long (other requests, and replies to
	 * queries sent before it, e.g. hybrid search's keyword query, are handled meanwhile). Searches
	 * of one matrix run one after another (they share the score buffer); a write landing during a
	 * yield makes the search start again without yielding, so the result is always that of one
	 * consistent state — the same as if it had run in one go.
	 */
	search(query: Float32Array, limit: number, accept?: (row: number) => boolean, minScore?: number, options: { perItem?: boolean } = {}): Promise<MatrixHit[]> {
		const run = this.searching.then(async () => {
			if (limit <= 0 || this.rows === 0) return [];
			const scores = (await this.scoreAllSliced(query)) ?? this.scoreAll(query);
			return this.select(scores, limit, accept, minScore, options);
		});
		this.searching = run.catch(() => undefined);
		return run;
	}

	/** The search's choice of rows from the scores of every row. */
	private select(scores: Float32Array, limit: number, accept: ((row: number) => boolean) | undefined, minScore: number | undefined, options: { perItem?: boolean }): MatrixHit[] {
		const floor = minScore ?? Number.NEGATIVE_INFINITY;
		const best = (k: number): MatrixHit[] => {
			const top = new TopK(k);
			for (let row = 0; row < this.rows; row++) {
				const dot = scores[row] as number;
				if (dot < floor || dot <= top.threshold) continue;
				if (accept && !accept(row)) continue;
				top.offer(row, dot);
			}
			return top.drain();
		};
		if (!options.perItem) return best(limit);
		// One hit per item (its best row), `limit` items: rows are picked again from the scores
		// already computed (no second pass over the vectors), wider until enough items are in.
		for (let k = Math.min(this.rows, limit * 4); ; k = Math.min(this.rows, k * 4)) {
			const hits = best(k);
			const seen = new Set<string>();
			const out: MatrixHit[] = [];
			for (const hit of hits) {
				const key = this.itemKeys[hit.row] as string;
				if (seen.has(key)) continue;
				seen.add(key);
				out.push(hit);
				if (out.length === limit) break;
			}
			if (out.length === limit || hits.length < k || k >= this.rows) return out;
		}
	}

	/**
	 * `scoreAll` in slices of rows, yielding to the event loop between them. Null when the matrix
	 * changed during a yield (rows may have moved): the caller then scores it in one go.
	 */
	private async scoreAllSliced(query: Float32Array): Promise<Float32Array | null> {
		const dims = this.dimensions;
		const step = Math.max(1, Math.floor(SLICE_FLOATS / dims));
		const rows = this.rows;
		if (rows <= step) return this.scoreAll(query);
		const changes = this.changes;
		const scalar = this.kernel ? null : new Float32Array(rows);
		for (let from = 0; from < rows; from += step) {
			if (from > 0) {
				await nextTick();
				if (this.changes !== changes) return null;
			}
			const count = Math.min(step, rows - from);
			if (this.kernel) {
				new Float32Array(this.kernel.memory.buffer, 0, dims).set(query);
				this.kernel.dots(0, this.vectorsOffset + from * dims * 4, count, dims * 4, this.scoresOffset + from * 4);
			} else {
				scalar!.set(scalarDots(this.vectors.subarray(from * dims, (from + count) * dims), count, dims, query), from);
			}
		}
		return scalar ?? new Float32Array(this.kernel!.memory.buffer, this.scoresOffset, rows);
	}

	/** Where the kernel writes scores: after the vectors (moves when the matrix grows). */
	private get scoresOffset(): number {
		return this.vectorsOffset + this.capacity * this.dimensions * 4;
	}

	/** Dot product of `query` with every row (SIMD kernel when available). */
	private scoreAll(query: Float32Array): Float32Array {
		const dims = this.dimensions;
		if (this.kernel) {
			const buffer = this.kernel.memory.buffer;
			new Float32Array(buffer, 0, dims).set(query);
			this.kernel.dots(0, this.vectorsOffset, this.rows, dims * 4, this.scoresOffset);
			return new Float32Array(buffer, this.scoresOffset, this.rows);
		}
		return scalarDots(this.vectors, this.rows, dims, query);
	}

	private rowFor(id: string): number {
		const existing = this.rowById.get(id);
		if (existing !== undefined) return existing;
		if (this.rows === this.capacity) this.grow();
		return this.rows++;
	}

	private finishRow(row: number, id: string, itemKey: string, chunkIndex: number, metadata: Metadata): void {
		this.changes++;
		normaliseInPlace(this.vectors, row * this.dimensions, this.dimensions);
		this.ids[row] = id;
		this.itemKeys[row] = itemKey;
		this.chunkIndexes[row] = chunkIndex;
		this.metadata[row] = Object.keys(metadata).length === 0 ? NO_METADATA : metadata;
		this.rowById.set(id, row);
	}

	private removeRow(row: number): void {
		this.changes++;
		const last = this.rows - 1;
		this.rowById.delete(this.ids[row] as string);
		if (row !== last) {
			const dims = this.dimensions;
			this.vectors.copyWithin(row * dims, last * dims, last * dims + dims);
			const lastId = this.ids[last] as string;
			this.ids[row] = lastId;
			this.itemKeys[row] = this.itemKeys[last] as string;
			this.chunkIndexes[row] = this.chunkIndexes[last] as number;
			this.metadata[row] = this.metadata[last] ?? NO_METADATA;
			this.rowById.set(lastId, row);
		}
		this.ids.pop();
		this.itemKeys.pop();
		this.chunkIndexes.pop();
		this.metadata.pop();
		this.rows = last;
	}

	private grow(): void {
		this.changes++;
		this.capacity *= 2;
		if (this.kernel) {
			// Growing WebAssembly memory keeps its bytes in place (rows start at the same offset)
			// but detaches the old buffer, so the view is made anew.
			const memory = this.kernel.memory;
			const missing = this.bytesFor(this.capacity) - memory.buffer.byteLength;
			if (missing > 0) memory.grow(Math.ceil(missing / 65_536));
			this.vectors = new Float32Array(memory.buffer, this.vectorsOffset, this.capacity * this.dimensions);
			return;
		}
		const next = new Float32Array(this.capacity * this.dimensions);
		next.set(this.vectors.subarray(0, this.rows * this.dimensions));
		this.vectors = next;
	}
}
