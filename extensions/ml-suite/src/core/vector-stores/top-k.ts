/**
 * Keeps the `k` highest-scoring entries seen so far in a bounded min-heap: O(n log k) over n
 * candidates instead of sorting all of them.
 */
export class TopK {
	private readonly scores: Float64Array;
	private readonly rows: Int32Array;
	private size = 0;

	constructor(private readonly k: number) {
		this.scores = new Float64Array(k);
		this.rows = new Int32Array(k);
	}

	/** Lowest score that can still enter; -Infinity until the heap is full. */
	get threshold(): number {
		return this.size < this.k ? Number.NEGATIVE_INFINITY : (this.scores[0] as number);
	}

	offer(row: number, score: number): void {
		if (this.size < this.k) {
			this.scores[this.size] = score;
			this.rows[this.size] = row;
			this.siftUp(this.size++);
			return;
		}
		if (score <= (this.scores[0] as number)) return;
		this.scores[0] = score;
		this.rows[0] = row;
		this.siftDown(0);
	}

	/** Entries best first. */
	drain(): { row: number; score: number }[] {
		const out: { row: number; score: number }[] = [];
		for (let i = 0; i < this.size; i++) out.push({ row: this.rows[i] as number, score: this.scores[i] as number });
		return out.sort((a, b) => b.score - a.score);
	}

	private siftUp(index: number): void {
		let i = index;
		while (i > 0) {
			const parent = (i - 1) >> 1;
			if ((this.scores[parent] as number) <= (this.scores[i] as number)) break;
			this.swap(i, parent);
			i = parent;
		}
	}

	private siftDown(index: number): void {
		let i = index;
		for (;;) {
			const left = 2 * i + 1;
			const right = left + 1;
			let smallest = i;
			if (left < this.size && (this.scores[left] as number) < (this.scores[smallest] as number)) smallest = left;
			if (right < this.size && (this.scores[right] as number) < (this.scores[smallest] as number)) smallest = right;
			if (smallest === i) return;
			this.swap(i, smallest);
			i = smallest;
		}
	}

	private swap(a: number, b: number): void {
		const score = this.scores[a] as number;
		this.scores[a] = this.scores[b] as number;
		this.scores[b] = score;
		const row = this.rows[a] as number;
		this.rows[a] = this.rows[b] as number;
		this.rows[b] = row;
	}
}
