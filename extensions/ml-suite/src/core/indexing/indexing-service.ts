import type { Knex } from 'knex';
import { isMlError, MlError } from '../errors.js';
import type { CallOrigin } from '../usage/types.js';
import type { FullTextIndex } from '../search/full-text-index.js';
import type { VectorRecord, VectorStore } from '../vector-stores/types.js';
import { embeddingInput, indexedFields, prepareDocument, type PreparedDocument } from './build-document.js';
import { DocumentStateRepository, type ExpectedRevision } from './document-state.js';
import { computeSettingsHash, namespaceOf, type IndexDefinition } from './index-definition.js';
import type { ItemSource } from './item-source.js';
import type { SaveActivity } from './save-activity.js';

/** The embedding model an index uses, as far as indexing needs to know. */
export interface IndexModel {
	/** Stable identity (provider/model/dimensions) that goes into the settings hash. */
	key: string;
	dimensions: number;
}

export interface IndexingDeps {
	db: Knex;
	items: ItemSource;
	/** The embedding model an index resolves to. */
	resolveModel(index: IndexDefinition): Promise<IndexModel>;
	/** Embeds texts with the index's model, in order (batching and caching happen behind this). */
	embed(index: IndexDefinition, texts: string[], origin: CallOrigin, signal?: AbortSignal): Promise<number[][]>;
	/** The vector store an index lives in. */
	storeFor(index: IndexDefinition): VectorStore;
	/** The keyword engine kept beside the vectors (null on databases without one). */
	fullText?: FullTextIndex | null;
	/** Item saves served by this process: background indexing (`background: true`) gives way to them. */
	saves?: SaveActivity;
	/**
	 * Pages a reindex works on at once (see `reindex`). Default `IndexingService.DEFAULT_PAGES_IN_FLIGHT`
	 * (3): the next page is read and embedded while the previous ones are written (on PostgreSQL
	 * with the keyword engine, a page's writes take longer than embedding the next one, so a third
	 * page keeps the embedder busy: 3 pages ≈ 1.15× 2 pages in the keyword bench). Two pages used
	 * to lose to one (0.47–0.73×): both embedded side by side and then wrote at the same time, and
	 * on PostgreSQL the keyword writes of one index queued on its statistics row. Pages now start
	 * one embedding after another and keyword writers never wait for each other. See README
	 * "Performance".
	 */
	reindexPagesInFlight?: number;
}

/** Options of an indexing call. */
export interface IndexingOptions {
	origin: CallOrigin;
	signal?: AbortSignal;
	force?: boolean;
	/** A background job: waits for item saves in this process to pause before embedding and before writing. */
	background?: boolean;
	/** Called when the batch's embedding is done, before its writes (a reindex then starts embedding its next page). */
	onEmbedded?: () => void;
}

export interface IndexItemsResult {
	indexed: number;
	unchanged: number;
	removed: number;
	excluded: number;
	chunks: number;
	/** Chunks sent to the embedding layer (cache hits included). */
	embeddedChunks: number;
	/** Items saved again while this job ran: the newer job writes them (last writer wins). */
	superseded: number;
}

export interface ReindexProgress {
	processed: number;
	total: number;
	result: IndexItemsResult;
}

const emptyResult = (): IndexItemsResult => ({ indexed: 0, unchanged: 0, removed: 0, excluded: 0, chunks: 0, embeddedChunks: 0, superseded: 0 });

/** How often an item whose vectors a superseded job may have overwritten is indexed again at once. */
const MAX_REPAIR_ROUNDS = 3;

function addResult(into: IndexItemsResult, from: IndexItemsResult): void {
	for (const key of Object.keys(into) as (keyof IndexItemsResult)[]) into[key] += from[key];
}

/**
 * Keeps a vector index in step with a CMS collection: reads items, chunks and embeds what
 * changed, writes vectors and the per-item state. Every method is idempotent: running it twice
 * (a retried or recovered job) leaves the same vectors and rows.
 */
export class IndexingService {
	/**
	 * Items a background job indexes per wait while saves continue in this process (its wait for
	 * a pause ran out after `maxDeferMs`): a long import then meets one small slice of indexing
	 * (reads, embedding, writes) per wait instead of a whole job's, and indexing still progresses.
	 */
	static readonly BUSY_ITEM_SLICE = 25;
	/** Pages of one reindex in flight when `reindexPagesInFlight` is not given. */
	static readonly DEFAULT_PAGES_IN_FLIGHT: number = 3;
	readonly documents: DocumentStateRepository;
	/** Namespaces known to exist with these dimensions in this process (saves a round trip per job). */
	private readonly knownNamespaces = new Map<string, number>();
	/** Per index: settles when its last queued background batch is done (see `inTurn`). */
	private readonly backgroundTurns = new Map<string, Promise<void>>();

	/** Pages of one reindex worked on at once. */
	private readonly pagesInFlight: number;

	constructor(private readonly deps: IndexingDeps) {
		this.documents = new DocumentStateRepository(deps.db);
		this.pagesInFlight = Math.max(1, Math.floor(deps.reindexPagesInFlight ?? IndexingService.DEFAULT_PAGES_IN_FLIGHT));
	}

	/**
	 * Indexes (or removes) the given items. Unchanged content costs no embedding call.
	 *
	 * Last writer wins: each item's revision is noted before its content is read, and results are
	 * written only for items whose revision is unchanged when the job is done (checked before the
	 * vectors are written and again, compare-and-set, in the transaction that writes state and
	 * chunks). A save in between bumps the revision and enqueues a newer job, which writes
	 * instead; so however slow a provider call is, an older version never replaces a newer one.
	 */
	async indexItems(index: IndexDefinition, keys: readonly string[], options: IndexingOptions): Promise<IndexItemsResult> {
		const unique = [...new Set(keys.map(String))];
		if (!options.background) return this.indexBatch(index, unique, options);
		// A background job: while saves continue, one slice of items per wait; once they pause, the
		// rest at once. Batches of one index take turns with the index's other background jobs.
		const result = emptyResult();
		for (let from = 0; from < unique.length; ) {
			from = await this.inTurn(index.id, async () => {
				const to = this.deps.saves?.busy() ? Math.min(unique.length, from + IndexingService.BUSY_ITEM_SLICE) : unique.length;
				addResult(result, await this.indexBatch(index, unique.slice(from, to), options));
				return to;
			});
		}
		return result;
	}

	/**
	 * Runs one background batch of an index after the index's earlier ones. A batch create of
	 * 5,000 items becomes ten jobs, which the queue runs two at a time (`ML_WORKER_CONCURRENCY`);
	 * side by side, one job's embedding holds the event loop while the other's transaction holds
	 * SQLite's one connection, and each waits for the other (hook-indexing bench: side by side
	 * ≈ 0.9× the pace of the reindex job, which pages one batch at a time; one at a time ≈ 1.2×).
	 * Embedding calls are already parallel inside a batch (the embedding layer's own
	 * concurrency), and other indexes and queues do not wait.
	 */
	private async inTurn<T>(indexId: string, work: () => Promise<T>): Promise<T> {
		const previous = this.backgroundTurns.get(indexId) ?? Promise.resolve();
		const run = previous.then(work);
		const settled = run.then(
			() => undefined,
			() => undefined,
		);
		this.backgroundTurns.set(indexId, settled);
		try {
			return await run;
		} finally {
			if (this.backgroundTurns.get(indexId) === settled) this.backgroundTurns.delete(indexId);
		}
	}

	private async indexBatch(index: IndexDefinition, keys: readonly string[], options: IndexingOptions): Promise<IndexItemsResult> {
		const result = emptyResult();
		let pending = [...keys];
		let force = options.force ?? false;
		for (let round = 0; pending.length > 0 && round < MAX_REPAIR_ROUNDS; round++) {
			const { outcome, repair } = await this.indexOnce(index, pending, { ...options, force });
			addResult(result, outcome);
			// Vectors written by a job that turned out superseded may have replaced newer ones: index
			// those items again from their current content (their hash was cleared, so they re-embed).
			pending = repair;
			force = true;
		}
		if (pending.length > 0) await this.documents.invalidate(index.id, pending);
		return result;
	}

	/**
	 * Indexes one item now and answers how many chunks its current content has. The count comes
	 * from the content as read, not from what this call wrote: a save hook's job may own the write
	 * (a newer revision), and the stored `chunk_count` lags until that job finishes.
	 */
	async indexItemNow(index: IndexDefinition, key: string, options: { origin: CallOrigin; signal?: AbortSignal }): Promise<number> {
		await this.indexItems(index, [key], options);
		const pk = await this.deps.items.primaryKey(index.collection);
		const record = (await this.deps.items.read(index.collection, [key], indexedFields(index, pk))).get(key);
		if (!record) return 0;
		if (index.filter && !(await this.deps.items.matching(index.collection, [key], index.filter)).has(key)) return 0;
		const model = await this.deps.resolveModel(index);
		return prepareDocument(index, key, record, computeSettingsHash(index, model)).chunks.length;
	}

	private async indexOnce(index: IndexDefinition, unique: readonly string[], options: IndexingOptions): Promise<{ outcome: IndexItemsResult; repair: string[] }> {
		const result = emptyResult();
		if (unique.length === 0) return { outcome: result, repair: [] };
		await this.giveWayToSaves(options);
		const model = await this.deps.resolveModel(index);
		const settingsHash = computeSettingsHash(index, model);
		const store = this.deps.storeFor(index);
		const namespace = namespaceOf(index);

		// Revisions first, content second: a save after this point makes our result stale, and we see it.
		const states = await this.documents.get(index.id, unique);
		const expected = new Map<string, ExpectedRevision>(unique.map((key) => [key, states.get(key)?.revision ?? null]));
		const pk = await this.deps.items.primaryKey(index.collection);
		const fields = indexedFields(index, pk);
		const records = await this.deps.items.read(index.collection, unique, fields);
		const matching = index.filter ? await this.deps.items.matching(index.collection, [...records.keys()], index.filter) : null;

		const deleted = unique.filter((key) => !records.has(key));
		const excluded = [...records.keys()].filter((key) => matching !== null && !matching.has(key));
		if (deleted.length > 0 || excluded.length > 0) {
			await store.deleteByItem(namespace, [...deleted, ...excluded]);
			await this.deps.fullText?.removeItems(index.id, [...deleted, ...excluded]);
			if (deleted.length > 0) await this.documents.remove(index.id, deleted);
			if (excluded.length > 0) await this.documents.markExcluded(index.id, index.collection, excluded);
			result.removed = deleted.length;
			result.excluded = excluded.length;
		}

		const candidates = [...records.entries()].filter(([key]) => matching === null || matching.has(key));
		const changed: PreparedDocument[] = [];
		const unchangedKeys: string[] = [];
		for (const [key, record] of candidates) {
			const doc = prepareDocument(index, key, record, settingsHash);
			const state = states.get(key);
			if (!options.force && state && state.contentHash === doc.contentHash && state.settingsHash === settingsHash && state.status !== 'failed') {
				unchangedKeys.push(key);
				continue;
			}
			changed.push(doc);
		}
		result.unchanged = unchangedKeys.length;
		const notYetMarked = unchangedKeys.filter((key) => states.get(key)?.status !== 'indexed');
		if (notYetMarked.length > 0) {
			// Same content as what is stored: nothing to embed, just settle the state.
			await this.documents.markIndexedWithoutChanges(index.id, notYetMarked, expected);
		}
		if (changed.length === 0) return { outcome: result, repair: [] };

		let upserted: PreparedDocument[] = [];
		try {
			const inputs = changed.flatMap((doc) => doc.chunks.map((chunk) => embeddingInput(doc, chunk.content)));
			const vectors = inputs.length > 0 ? await this.deps.embed(index, inputs, options.origin, options.signal) : [];
			options.onEmbedded?.();
			result.embeddedChunks = inputs.length;
			if (vectors.length < inputs.length) throw new MlError('The embedding layer returned fewer vectors than inputs.', { code: 'EMBEDDING_MISMATCH', status: 500 });
			await this.ensureNamespace(store, index, namespace, model.dimensions);

			const vectorsOf = new Map<string, number[][]>();
			let v = 0;
			for (const doc of changed) {
				vectorsOf.set(doc.item, vectors.slice(v, v + doc.chunks.length));
				v += doc.chunks.length;
			}
			await this.giveWayToSaves(options);
			// Drop what was saved again while the provider worked: the newer job owns those items.
			const before = await this.documents.current(index.id, new Map(changed.map((doc) => [doc.item, expected.get(doc.item) ?? null])));
			const stillCurrent = new Set(before.written);
			const writable = changed.filter((doc) => stillCurrent.has(doc.item));
			result.superseded = before.superseded.length;
			if (writable.length === 0) return { outcome: result, repair: [] };

			const records: VectorRecord[] = writable.flatMap((doc) =>
				doc.chunks.map((chunk, i) => ({
					id: `${doc.item}:${chunk.chunkIndex}`,
					itemKey: doc.item,
					chunkIndex: chunk.chunkIndex,
					vector: vectorsOf.get(doc.item)![i]!,
					content: chunk.content,
					metadata: { ...doc.metadata, _title: doc.title, _field: chunk.field, _position: chunk.position },
				})),
			);
			// Vectors and keyword rows are written side by side (on PostgreSQL, two connections: two
			// server processes). The state below is written only once both stand: a failure of either
			// leaves the items failed (retried), never indexed with a part missing.
			const [vectorWrite, keywordWrite] = await Promise.allSettled([
				records.length > 0 ? store.upsert(namespace, records) : Promise.resolve(),
				// The keyword index is replaced per item in one transaction, so it is exact after updates.
				this.deps.fullText?.replaceItems(
					index.id,
					writable.map((doc) => doc.item),
					writable.flatMap((doc) => doc.chunks.map((chunk) => ({ item: doc.item, chunk: chunk.chunkIndex, field: chunk.field, position: chunk.position, text: embeddingInput(doc, chunk.content), content: chunk.content }))),
					writable.filter((doc) => doc.chunks.length > 0).map((doc) => ({ item: doc.item, text: embeddingInput(doc, doc.text) })),
				),
			]);
			if (vectorWrite.status === 'fulfilled' && records.length > 0) upserted = writable;
			if (vectorWrite.status === 'rejected') throw vectorWrite.reason;
			if (keywordWrite.status === 'rejected') throw keywordWrite.reason;
			// Upserting replaced chunks 0..n-1. `chunk_count` never undercounts what is stored, so only
			// items that shrank have chunks past n to drop; the others cost no extra round trip.
			for (const doc of writable) {
				const previous = states.get(doc.item)?.chunkCount ?? 0;
				if (previous > doc.chunks.length) await store.deleteChunksFrom(namespace, doc.item, doc.chunks.length);
			}
			const outcome = await this.documents.markIndexed(
				index.id,
				index.collection,
				writable.map((doc) => ({ item: doc.item, contentHash: doc.contentHash, settingsHash, chunks: doc.chunks })),
				expected,
			);
			const written = new Set(outcome.written);
			result.indexed = outcome.written.length;
			result.chunks = writable.filter((doc) => written.has(doc.item)).reduce((sum, doc) => sum + doc.chunks.length, 0);
			result.superseded += outcome.superseded.length;
			if (outcome.superseded.length > 0) {
				// Saved again while our vectors were being written: they may have replaced the newer
				// job's. Keep chunk_count an upper bound of what is stored, then repair.
				await this.documents.raiseChunkCounts(index.id, writable.filter((doc) => !written.has(doc.item)).map((doc) => ({ item: doc.item, count: doc.chunks.length })));
				await this.documents.invalidate(index.id, outcome.superseded);
			}
			return { outcome: result, repair: outcome.superseded };
		} catch (error) {
			this.knownNamespaces.clear();
			const message = error instanceof Error ? error.message : String(error);
			const retryable = !(isMlError(error) && !error.retryable);
			await this.documents.markFailed(index.id, index.collection, changed.map((doc) => doc.item), message, expected, retryable);
			if (upserted.length > 0) {
				// Vectors were written before the failure: keep chunk_count an upper bound of what is stored.
				await this.documents.raiseChunkCounts(index.id, upserted.map((doc) => ({ item: doc.item, count: doc.chunks.length })));
			}
			throw error;
		}
	}

	/** Background work waits while this process serves item saves (see `SaveActivity`). */
	private async giveWayToSaves(options: IndexingOptions): Promise<void> {
		if (options.background) await this.waitForSavesToPause(options.signal);
	}

	/**
	 * Resolves once item saves in this process pause (at most `ML_INDEXING_MAX_DEFER_MS`): other
	 * background work over the index tables (the reconcile sweep) waits here as indexing jobs do.
	 */
	async waitForSavesToPause(signal?: AbortSignal): Promise<void> {
		await this.deps.saves?.quiet(signal);
	}

	/**
	 * Indexed items whose stored content hash no longer matches the live item (changed without a
	 * hook, a lost job, an older version written by any path): the reconcile sweep requeues them.
	 * Visits `limit` indexed items in key order after `after`; `next` is where to continue (null
	 * at the end).
	 */
	async findDiverged(index: IndexDefinition, page: { after?: string | null; limit: number }): Promise<{ keys: string[]; next: string | null }> {
		const model = await this.deps.resolveModel(index);
		const settingsHash = computeSettingsHash(index, model);
		const states = await this.documents.listIndexed(index.id, { after: page.after ?? null, limit: page.limit });
		if (states.length === 0) return { keys: [], next: null };
		const pk = await this.deps.items.primaryKey(index.collection);
		const records = await this.deps.items.read(index.collection, states.map((state) => state.item), indexedFields(index, pk));
		const keys: string[] = [];
		for (const state of states) {
			const record = records.get(state.item);
			// A deleted item's job removes it; other settings are the reindex job's (one per index).
			if (!record) {
				keys.push(state.item);
				continue;
			}
			if (state.settingsHash !== settingsHash) continue;
			if (prepareDocument(index, state.item, record, settingsHash).contentHash !== state.contentHash) keys.push(state.item);
		}
		return { keys, next: states.length < page.limit ? null : states[states.length - 1]!.item };
	}

	/** Removes items from the index (they were deleted in the CMS). */
	async removeItems(index: IndexDefinition, keys: readonly string[]): Promise<void> {
		if (keys.length === 0) return;
		await this.deps.storeFor(index).deleteByItem(namespaceOf(index), keys);
		await this.deps.fullText?.removeItems(index.id, keys);
		await this.documents.remove(index.id, keys);
	}

	/** Drops everything stored for a deleted index: its vectors and its keyword index. */
	async dropIndex(index: IndexDefinition): Promise<void> {
		const store = this.deps.storeFor(index);
		await store.dropNamespace(namespaceOf(index));
		this.forgetNamespace(store, namespaceOf(index));
		await this.deps.fullText?.drop(index.id);
	}

	/**
	 * Brings the whole index up to date: every item of the collection is visited in pages
	 * (unchanged items cost nothing unless `force`), state of items that no longer exist is
	 * pruned, and the index's settings hash is recorded.
	 */
	async reindex(
		index: IndexDefinition,
		options: IndexingOptions & { pageSize?: number; onProgress?: (progress: ReindexProgress) => Promise<void> | void },
	): Promise<ReindexProgress> {
		const pageSize = options.pageSize ?? 500;
		const model = await this.deps.resolveModel(index);
		const settingsHash = computeSettingsHash(index, model);
		const store = this.deps.storeFor(index);
		await this.ensureNamespace(store, index, namespaceOf(index), model.dimensions);

		const total = await this.deps.items.count(index.collection, null);
		const seen = new Set<string>();
		const result = emptyResult();
		let processed = 0;
		// Up to `pagesInFlight` pages at once, started one embedding after another: once a page's
		// embedding is done, the next page is listed, read and embedded while the previous one is
		// written (Node embeds while the database writes; two pages embedding side by side would only
		// share the event loop and then write at the same time). Pages hold different items, and
		// where one item lands in two pages (the collection changed while it was paged) the revision
		// checks keep the newest write, as for two jobs. A page's failure fails the reindex once the
		// pages in flight have settled.
		const inFlight: Promise<{ error: unknown } | null>[] = [];
		const settleOldest = async (): Promise<void> => {
			const outcome = await inFlight.shift()!;
			if (outcome) throw outcome.error;
		};
		try {
			for (let offset = 0; ; offset += pageSize) {
				if (options.signal?.aborted) throw new MlError('Reindex cancelled.', { code: 'CANCELLED', status: 499 });
				const keys = await this.deps.items.listKeys(index.collection, { offset, limit: pageSize });
				if (keys.length === 0) break;
				for (const key of keys) seen.add(key);
				let embedded!: () => void;
				const embeddingDone = new Promise<void>((resolve) => (embedded = resolve));
				const page = async (): Promise<{ error: unknown } | null> => {
					try {
						addResult(result, await this.indexItems(index, keys, { ...options, onEmbedded: embedded }));
						processed += keys.length;
						await options.onProgress?.({ processed, total: Math.max(total, processed), result: { ...result } });
						return null;
					} catch (error) {
						return { error };
					} finally {
						embedded();
					}
				};
				inFlight.push(page());
				await embeddingDone;
				while (inFlight.length >= this.pagesInFlight) await settleOldest();
				if (keys.length < pageSize) break;
			}
			while (inFlight.length > 0) await settleOldest();
		} finally {
			await Promise.all(inFlight);
		}
		// State rows of items not seen while paging: their items may have been deleted, or created
		// after their page was listed (their own job indexes them). Only the deleted ones go.
		const unseen = (await this.documents.allItems(index.id)).filter((key) => !seen.has(key));
		const stillThere = unseen.length > 0 ? await this.deps.items.read(index.collection, unseen, [await this.deps.items.primaryKey(index.collection)]) : new Map();
		const gone = unseen.filter((key) => !stillThere.has(key));
		if (gone.length > 0) {
			await this.removeItems(index, gone);
			result.removed += gone.length;
		}
		await this.deps.db('ml_indexes').where('id', index.id).update({ settings_hash: settingsHash, last_indexed_at: new Date().toISOString() });
		return { processed, total: Math.max(total, processed), result };
	}

	/** Creates the namespace; if the model's dimensions changed, starts it afresh and marks the index stale. */
	private async ensureNamespace(store: VectorStore, index: IndexDefinition, namespace: string, dimensions: number): Promise<void> {
		const cacheKey = `${store.kind}:${namespace}`;
		if (this.knownNamespaces.get(cacheKey) === dimensions) return;
		const existing = (await store.listNamespaces()).find((ns) => ns.name === namespace);
		if (existing && existing.dimensions !== dimensions) {
			await store.dropNamespace(namespace);
			await this.documents.markIndexStale(index.id);
		}
		await store.ensureNamespace(namespace, dimensions);
		this.knownNamespaces.set(cacheKey, dimensions);
	}

	/** Forget cached namespace facts (after a namespace was dropped elsewhere). */
	forgetNamespace(store: VectorStore, namespace: string): void {
		this.knownNamespaces.delete(`${store.kind}:${namespace}`);
	}
}
