/** A feature vector: parallel arrays of feature indices (ascending, distinct) and values. */
export interface SparseVector {
	indices: number[];
	values: number[];
}

/** Joins TF-IDF and dense (embedding) features: dense features start at `offset`. */
export function concatDense(sparse: SparseVector, dense: readonly number[] | null, offset: number): SparseVector {
	if (!dense || dense.length === 0) return sparse;
	const indices = sparse.indices.slice();
	const values = sparse.values.slice();
	for (let i = 0; i < dense.length; i++) {
		indices.push(offset + i);
		values.push(dense[i]!);
	}
	return { indices, values };
}
