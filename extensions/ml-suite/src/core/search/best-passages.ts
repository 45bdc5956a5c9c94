import type { FullTextPassage } from './full-text-index.js';

/** A stored chunk with its analyzed terms, space-separated (as both engines keep them). */
export interface ChunkTermsRow {
	item: string;
	chunk: number;
	field: string;
	position: number;
	terms: string;
	content: string;
}

/**
 * Each item's chunk holding the most of `wanted` (distinct terms, then occurrences; then the
 * first chunk): the passage both engines show for a hit, read from the terms they stored.
 */
export function bestPassages(chunkRows: readonly ChunkTermsRow[], wanted: ReadonlySet<string>): Map<string, FullTextPassage> {
	const best = new Map<string, FullTextPassage & { distinct: number; hits: number }>();
	// Occurrences of each wanted term as a whole word of the space-separated terms (no split per chunk).
	const needles = [...wanted].map((term) => ` ${term} `);
	for (const r of chunkRows) {
		const terms = ` ${r.terms} `;
		let distinct = 0;
		let hits = 0;
		for (const needle of needles) {
			let count = 0;
			for (let at = terms.indexOf(needle); at !== -1; at = terms.indexOf(needle, at + needle.length - 1)) count++;
			if (count > 0) distinct++;
			hits += count;
		}
		const key = String(r.item);
		const chunk = Number(r.chunk);
		const current = best.get(key);
		if (!current || distinct > current.distinct || (distinct === current.distinct && (hits > current.hits || (hits === current.hits && chunk < current.chunk)))) {
			best.set(key, { chunk, field: String(r.field), position: Number(r.position), content: String(r.content), distinct, hits });
		}
	}
	return new Map([...best].map(([item, { chunk, field, position, content }]) => [item, { chunk, field, position, content }]));
}
