import type { Knex } from 'knex';
import { notFoundOrForbidden } from '../errors.js';
import { namespaceOf, type IndexDefinition } from '../indexing/index-definition.js';
import type { CallOrigin } from '../usage/types.js';
import type { MetadataFilter, VectorMatch, VectorStore } from '../vector-stores/types.js';
import type { CallerAccess } from './caller-access.js';
import { keywordSearch, reciprocalRankFusion } from './keyword-search.js';
import { bestSnippet } from './snippet.js';

export interface SearchHit {
	index: string;
	collection: string;
	item: string;
	title: string;
	/** Cosine similarity (semantic) or fused RRF score (hybrid). */
	score: number;
	/** Short passage (best sentences) from fields the caller can read. */
	snippet: string;
	/** The whole matched chunk when the caller can read every field it was built from, else the snippet. */
	passage: string;
	chunkIndex: number;
	/** Admin-app path of the item. */
	link: string;
	/** The requested `fields` of the item, as the caller may read them. */
	data: Record<string, unknown>;
}

export interface SearchRequest {
	query: string;
	indexes: IndexDefinition[];
	mode: 'semantic' | 'hybrid';
	limit: number;
	/** Directus filter on the items. */
	filter: Record<string, unknown> | null;
	/** Metadata filter evaluated in the vector store (cheap pre-filter). */
	metadataFilter?: MetadataFilter;
	/** Item fields to return in `data`. */
	fields: string[];
	minScore?: number;
	access: CallerAccess;
	origin: CallOrigin;
	signal?: AbortSignal;
	/** Items to leave out (related items leave out the item itself). */
	excludeItems?: { collection: string; item: string }[];
}

export interface SearchDeps {
	db: Knex;
	storeFor(index: IndexDefinition): VectorStore;
	/** Embeds one query text with the index's model (cached). */
	embedQuery(index: IndexDefinition, text: string, origin: CallOrigin, signal?: AbortSignal): Promise<number[]>;
}

/** Largest candidate list fetched from a store while looking for readable items. */
const MAX_FETCH = 4000;

interface Candidate {
	item: string;
	score: number;
	match: { chunkIndex: number; content: string } | null;
}

/**
 * Semantic and hybrid search with Directus permissions: candidates from the vector store are
 * re-read through Directus with the caller's accountability; unreadable items are dropped and
 * the store is asked for more so that `limit` is still met.
 */
export class SearchService {
	constructor(private readonly deps: SearchDeps) {}

	async search(request: SearchRequest): Promise<SearchHit[]> {
		// Indexes that share a model share the query vector: one embedding call per model, not per index.
		const vectors = new Map<string, Promise<number[]>>();
		const embed = (index: IndexDefinition): Promise<number[]> => {
			const key = index.embeddingModel ?? '';
			let vector = vectors.get(key);
			if (!vector) {
				vector = this.deps.embedQuery(index, request.query, request.origin, request.signal);
				vectors.set(key, vector);
			}
			return vector;
		};
		const perIndex = await Promise.all(request.indexes.map((index) => this.searchIndex(index, request, embed)));
		return perIndex
			.flat()
			.sort((a, b) => b.score - a.score)
			.slice(0, request.limit);
	}

	private async searchIndex(index: IndexDefinition, request: SearchRequest, embed: (index: IndexDefinition) => Promise<number[]>): Promise<SearchHit[]> {
		if (!(await request.access.canRead(index.collection))) {
			throw notFoundOrForbidden(`index "${index.name}"`);
		}
		const pk = await request.access.primaryKey(index.collection);
		const vector = await embed(index);
		const store = this.deps.storeFor(index);
		const excluded = new Set((request.excludeItems ?? []).filter((e) => e.collection === index.collection).map((e) => e.item));

		const hits: SearchHit[] = [];
		const checked = new Set<string>(excluded);
		let fetch = Math.min(MAX_FETCH, request.limit * 4 + 10);
		for (;;) {
			const candidates = await this.candidates(index, store, vector, request, fetch);
			const fresh = candidates.list.filter((c) => !checked.has(c.item));
			for (const c of fresh) checked.add(c.item);
			if (fresh.length > 0) {
				const rows = await request.access.readItems(index.collection, fresh.map((c) => c.item), request.filter);
				for (const candidate of fresh) {
					const row = rows.get(candidate.item);
					if (row) hits.push(this.toHit(index, candidate, row, request, pk));
				}
			}
			if (hits.length >= request.limit || candidates.exhausted || fetch >= MAX_FETCH) break;
			fetch = Math.min(MAX_FETCH, fetch * 4);
		}
		return hits.slice(0, request.limit);
	}

	/** Item-level candidates, best first, from the vector store (and keywords in hybrid mode). */
	private async candidates(
		index: IndexDefinition,
		store: VectorStore,
		vector: number[],
		request: SearchRequest,
		fetch: number,
	): Promise<{ list: Candidate[]; exhausted: boolean }> {
		const matches = await store.query(namespaceOf(index), { vector, limit: fetch, filter: request.metadataFilter, minScore: request.minScore });
		const byItem = bestPerItem(matches);
		if (request.mode === 'semantic') return { list: byItem, exhausted: matches.length < fetch };

		const keyword = await keywordSearch(this.deps.db, index.id, request.query, fetch);
		const keywordBest = new Map<string, Candidate>();
		for (const m of keyword) if (!keywordBest.has(m.item)) keywordBest.set(m.item, { item: m.item, score: m.score, match: { chunkIndex: m.chunkIndex, content: m.content } });
		const fused = reciprocalRankFusion([byItem.map((c) => c.item), [...keywordBest.keys()]]);
		const vectorBest = new Map(byItem.map((c) => [c.item, c]));
		const list = [...fused.entries()]
			.sort((a, b) => b[1] - a[1])
			.map(([item, score]) => ({ item, score, match: vectorBest.get(item)?.match ?? keywordBest.get(item)?.match ?? null }));
		return { list, exhausted: matches.length < fetch && keyword.length < fetch };
	}

	/** `row` holds exactly the fields the caller may read; passages only come from those. */
	private toHit(index: IndexDefinition, candidate: Candidate, row: Record<string, unknown>, request: SearchRequest, pk: string): SearchHit {
		const titleValue = index.titleField ? row[index.titleField] : undefined;
		const title = typeof titleValue === 'string' && titleValue.trim() ? titleValue : String(row[pk] ?? candidate.item);
		// The stored chunk was cut from the content fields: show it only if all of them are readable.
		const chunkReadable = index.contentFields.every((field) => field in row);
		let snippet = '';
		let passage = '';
		if (chunkReadable && candidate.match) {
			snippet = bestSnippet(candidate.match.content, request.query);
			passage = candidate.match.content;
		} else {
			const readableText = index.contentFields
				.filter((field) => typeof row[field] === 'string')
				.map((field) => row[field] as string)
				.join('\n\n');
			snippet = readableText ? bestSnippet(readableText, request.query) : '';
			passage = snippet;
		}
		const data: Record<string, unknown> = {};
		for (const field of request.fields) if (field in row) data[field] = row[field];
		return {
			index: index.name,
			collection: index.collection,
			item: candidate.item,
			title,
			score: candidate.score,
			snippet,
			passage,
			chunkIndex: candidate.match?.chunkIndex ?? 0,
			link: `/admin/content/${index.collection}/${encodeURIComponent(candidate.item)}`,
			data,
		};
	}
}

function bestPerItem(matches: VectorMatch[]): Candidate[] {
	const seen = new Map<string, Candidate>();
	for (const m of matches) {
		if (!seen.has(m.itemKey)) seen.set(m.itemKey, { item: m.itemKey, score: m.score, match: { chunkIndex: m.chunkIndex, content: m.content } });
	}
	return [...seen.values()];
}

/** Every named index must be among `found` (active and readable); else Directus's uniform 403. */
export function assertIndexesFound(names: readonly string[], found: readonly IndexDefinition[]): void {
	const known = new Set(found.map((i) => i.name));
	const missing = names.filter((n) => !known.has(n));
	if (missing.length > 0) throw notFoundOrForbidden(missing.length === 1 ? `index "${missing[0]}"` : `indexes ${missing.map((n) => `"${n}"`).join(', ')}`);
}
