import type { Knex } from 'knex';

/** A chunk matched by keywords. */
export interface KeywordMatch {
	item: string;
	chunkIndex: number;
	content: string;
	score: number;
}

const STOP_WORDS = new Set(
	'a an and are as at be but by for from has have how i in is it its of on or that the this to was were what when where which who why will with you your do does can'.split(' '),
);

/** Lower-cased search terms of a query, without stop words and duplicates. */
export function queryTerms(query: string): string[] {
	const terms = query
		.toLowerCase()
		.normalize('NFKC')
		.split(/[^\p{L}\p{N}]+/u)
		.filter((t) => t.length > 1 && !STOP_WORDS.has(t));
	return [...new Set(terms)].slice(0, 12);
}

/**
 * Keyword search over the chunks of an index (`ml_chunks`), scored with BM25 over the matching
 * chunks. Works the same on SQLite and PostgreSQL, whatever vector store the index uses.
 */
export async function keywordSearch(db: Knex, indexId: string, query: string, limit: number): Promise<KeywordMatch[]> {
	const terms = queryTerms(query);
	if (terms.length === 0) return [];
	const rows: { item: string; chunk_index: number; content: string }[] = await db('ml_chunks as c')
		.join('ml_documents as d', 'd.id', 'c.document')
		.select('c.item', 'c.chunk_index', 'c.content')
		.where('d.index', indexId)
		.where((q) => {
			for (const term of terms) q.orWhereRaw('lower(c.content) like ?', [`%${term.replace(/[%_\\]/g, '')}%`]);
		})
		.limit(Math.max(limit * 20, 500));
	if (rows.length === 0) return [];

	const docs = rows.map((row) => ({ row, tokens: row.content.toLowerCase().split(/[^\p{L}\p{N}]+/u) }));
	const avgLength = docs.reduce((sum, d) => sum + d.tokens.length, 0) / docs.length;
	const df = new Map<string, number>();
	for (const term of terms) df.set(term, docs.filter((d) => d.tokens.some((t) => t.startsWith(term))).length);
	const k1 = 1.2;
	const b = 0.75;
	const scored = docs.map(({ row, tokens }) => {
		let score = 0;
		for (const term of terms) {
			const tf = tokens.filter((t) => t.startsWith(term)).length;
			if (tf === 0) continue;
			const n = df.get(term) ?? 0;
			const idf = Math.log(1 + (docs.length - n + 0.5) / (n + 0.5));
			score += (idf * tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * tokens.length) / avgLength));
		}
		return { item: String(row.item), chunkIndex: Number(row.chunk_index), content: row.content, score };
	});
	return scored.filter((m) => m.score > 0).sort((a, b2) => b2.score - a.score).slice(0, limit * 4);
}

/**
 * Reciprocal rank fusion of several ranked lists of item keys (k = 60): items ranked well in
 * several lists beat items ranked well in one.
 */
export function reciprocalRankFusion(lists: readonly (readonly string[])[], k = 60): Map<string, number> {
	const fused = new Map<string, number>();
	for (const list of lists) {
		list.forEach((key, rank) => fused.set(key, (fused.get(key) ?? 0) + 1 / (k + rank + 1)));
	}
	return fused;
}
