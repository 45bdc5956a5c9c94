import { QdrantClient } from '@qdrant/js-client-rest';
import { InvalidPayloadError, isRetryableStatus, MlError } from '../errors.js';
import { filterMatchesNothing, parseMetadataFilter } from './metadata-filter.js';
import { toQdrantFilter } from './qdrant-filter.js';
import { qdrantPointId } from './qdrant-point-id.js';
import type { MetadataValue, NamespaceInfo, VectorMatch, VectorQuery, VectorRecord, VectorStore } from './types.js';
import { silentLogger, type Logger } from '../logger.js';
import type { VectorStoreDeps } from './vector-store-deps.js';
import { assertDimensions, assertNamespaceName, assertQuery, assertRecords, assertSameDimensions, namespaceNotFound } from './vector-store-validation.js';

export interface QdrantVectorStoreConfig {
	/** Qdrant REST URL, e.g. `http://qdrant:6333` (a path becomes the client's prefix). */
	url: string;
	/** API key, sent as the `api-key` header. Default: none. */
	apiKey?: string;
	/** Prefix of the collection names, one collection per namespace. Default: `ml_`. */
	collectionPrefix?: string;
}

/** Points per upsert request, to keep request bodies moderate. */
const UPSERT_BATCH = 256;

interface StoredPayload {
	id?: string;
	item_key?: string;
	chunk_index?: number;
	content?: string;
	metadata?: Record<string, MetadataValue>;
}

/**
 * Qdrant: one collection per namespace with cosine distance. Points get deterministic UUIDs
 * derived from the record id; the payload carries id, item_key, chunk_index, content and
 * metadata, with keyword/integer indexes on item_key and chunk_index for deletes and filters.
 */
export class QdrantVectorStore implements VectorStore {
	readonly kind = 'qdrant';
	private readonly client: QdrantClient;
	private readonly prefix: string;
	private readonly logger: Logger;

	constructor(config: QdrantVectorStoreConfig, deps: VectorStoreDeps = {}) {
		let parsed: URL;
		try {
			parsed = new URL(config.url);
		} catch (error) {
			throw new InvalidPayloadError(`Invalid Qdrant URL "${config.url}".`, { cause: String(error) });
		}
		// The client ignores a path inside `url`; pass it as its prefix instead.
		const prefix = parsed.pathname.replace(/\/+$/, '');
		this.client = new QdrantClient({ url: parsed.origin, prefix: prefix || undefined, apiKey: config.apiKey, checkCompatibility: false });
		this.prefix = config.collectionPrefix ?? 'ml_';
		this.logger = deps.logger ?? silentLogger;
	}

	async ensureNamespace(namespace: string, dimensions: number): Promise<void> {
		assertNamespaceName(namespace);
		assertDimensions(dimensions);
		const name = this.collection(namespace);
		let size = await this.dimensionsOf(name);
		if (size === undefined) {
			try {
				await this.client.createCollection(name, { vectors: { size: dimensions, distance: 'Cosine' } });
			} catch (error) {
				// Another process created it first: fine, its dimensions are checked below.
				if (statusOf(error) !== 409) throw this.wrap(error, namespace);
				this.logger.debug({ namespace }, 'Qdrant collection created concurrently');
			}
			await this.call(namespace, () => this.client.createPayloadIndex(name, { field_name: 'item_key', field_schema: 'keyword', wait: true }));
			await this.call(namespace, () => this.client.createPayloadIndex(name, { field_name: 'chunk_index', field_schema: 'integer', wait: true }));
			size = await this.dimensionsOf(name);
		}
		assertSameDimensions(namespace, size, dimensions);
	}

	async upsert(namespace: string, records: readonly VectorRecord[]): Promise<void> {
		assertNamespaceName(namespace);
		const name = this.collection(namespace);
		const size = await this.dimensionsOf(name);
		if (size === undefined) throw namespaceNotFound(namespace);
		assertRecords(records, size);
		for (let i = 0; i < records.length; i += UPSERT_BATCH) {
			const points = records.slice(i, i + UPSERT_BATCH).map((r) => ({
				id: qdrantPointId(namespace, r.id),
				vector: [...r.vector],
				payload: { id: r.id, item_key: r.itemKey, chunk_index: r.chunkIndex, content: r.content, metadata: r.metadata ?? {} },
			}));
			await this.call(namespace, () => this.client.upsert(name, { wait: true, points }));
		}
	}

	async deleteByItem(namespace: string, itemKeys: readonly string[]): Promise<void> {
		assertNamespaceName(namespace);
		const name = this.collection(namespace);
		if (itemKeys.length === 0 || (await this.dimensionsOf(name)) === undefined) return;
		await this.call(namespace, () => this.client.delete(name, { wait: true, filter: { must: [{ key: 'item_key', match: { any: [...itemKeys] } }] } }));
	}

	async deleteChunksFrom(namespace: string, itemKey: string, fromChunk: number): Promise<void> {
		assertNamespaceName(namespace);
		const name = this.collection(namespace);
		if ((await this.dimensionsOf(name)) === undefined) return;
		await this.call(namespace, () =>
			this.client.delete(name, {
				wait: true,
				filter: { must: [{ key: 'item_key', match: { value: itemKey } }, { key: 'chunk_index', range: { gte: fromChunk } }] },
			}),
		);
	}

	async query(namespace: string, query: VectorQuery): Promise<VectorMatch[]> {
		assertNamespaceName(namespace);
		const name = this.collection(namespace);
		const size = await this.dimensionsOf(name);
		if (size === undefined) return [];
		assertQuery(query, size);
		if (query.itemKeys?.length === 0) return [];
		const entries = parseMetadataFilter(query.filter ?? {});
		if (filterMatchesNothing(entries)) return [];
		const filter = toQdrantFilter(entries, query.itemKeys);
		const response = await this.call(namespace, () =>
			this.client.query(name, {
				query: [...query.vector],
				limit: query.limit,
				with_payload: true,
				...(filter ? { filter } : {}),
				...(query.minScore !== undefined ? { score_threshold: query.minScore } : {}),
			}),
		);
		return response.points.map((point) => {
			const payload = (point.payload ?? {}) as StoredPayload;
			return {
				id: payload.id ?? String(point.id),
				itemKey: payload.item_key ?? '',
				chunkIndex: payload.chunk_index ?? 0,
				score: point.score,
				content: payload.content ?? '',
				metadata: payload.metadata ?? {},
			};
		});
	}

	async count(namespace: string): Promise<number> {
		assertNamespaceName(namespace);
		const name = this.collection(namespace);
		if ((await this.dimensionsOf(name)) === undefined) return 0;
		const result = await this.call(namespace, () => this.client.count(name, { exact: true }));
		return result.count;
	}

	async listNamespaces(): Promise<NamespaceInfo[]> {
		const { collections } = await this.call('(list)', () => this.client.getCollections());
		const out: NamespaceInfo[] = [];
		for (const { name } of collections) {
			if (!name.startsWith(this.prefix)) continue;
			const namespace = name.slice(this.prefix.length);
			const dimensions = await this.dimensionsOf(name);
			if (dimensions === undefined) continue; // dropped meanwhile
			out.push({ name: namespace, dimensions, count: await this.count(namespace) });
		}
		return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
	}

	async dropNamespace(namespace: string): Promise<void> {
		assertNamespaceName(namespace);
		const name = this.collection(namespace);
		try {
			await this.client.deleteCollection(name);
		} catch (error) {
			if (statusOf(error) !== 404) throw this.wrap(error, namespace);
		}
	}

	async health(): Promise<{ ok: boolean; message?: string }> {
		try {
			await this.client.getCollections();
			return { ok: true };
		} catch (error) {
			return { ok: false, message: error instanceof Error ? error.message : String(error) };
		}
	}

	async close(): Promise<void> {
		// The REST client holds no connections that need closing.
	}

	private collection(namespace: string): string {
		return `${this.prefix}${namespace}`;
	}

	/** Vector size of a collection, or undefined when it does not exist. */
	private async dimensionsOf(name: string): Promise<number | undefined> {
		try {
			const info = await this.client.getCollection(name);
			const vectors = info.config.params.vectors as { size?: unknown } | undefined;
			return typeof vectors?.size === 'number' ? vectors.size : undefined;
		} catch (error) {
			if (statusOf(error) === 404) return undefined;
			throw this.wrap(error, name);
		}
	}

	private async call<T>(namespace: string, fn: () => Promise<T>): Promise<T> {
		try {
			return await fn();
		} catch (error) {
			throw this.wrap(error, namespace);
		}
	}

	private wrap(error: unknown, namespace: string): MlError {
		if (error instanceof MlError) return error;
		const status = statusOf(error);
		const retryable = isRetryableStatus(status);
		return new MlError(`Qdrant request for "${namespace}" failed${status ? ` with status ${status}` : ''}.`, {
			code: 'VECTOR_STORE_ERROR',
			status: retryable ? 503 : 502,
			retryable,
			cause: error,
		});
	}
}

function statusOf(error: unknown): number | undefined {
	const status = (error as { status?: unknown } | null)?.status;
	return typeof status === 'number' ? status : undefined;
}
