import { InvalidPayloadError } from '@directus/errors';
import type { SchemaOverview } from '@directus/types';
import { removeOrphanChunks } from '../../core/indexing/chunk-table.js';
import type { IndexDefinition } from '../../core/indexing/index-definition.js';
import type { Container } from '../container.js';
import type { HookRegister } from './hook-register.js';

function keysOf(meta: Record<string, unknown>): string[] {
	if (Array.isArray(meta.keys)) return meta.keys.map(String);
	if (meta.key !== undefined && meta.key !== null) return [String(meta.key)];
	return [];
}

/**
 * Keeps indexes current. A save never fails or waits on embedding: the hook notes the save (so
 * background indexing in this process gives way until saves pause) and hands the changed keys to
 * the container's coalescer, which marks them pending in `ml_documents` and enqueues
 * them in batches (a batch create emits one event per item); if the queue is unavailable the
 * rows stay pending and the reconcile sweep enqueues them later.
 */
export function registerIndexingHooks({ action, filter }: HookRegister, getContainer: () => Promise<Container>): void {
	const indexable = (collection: string): boolean => Boolean(collection) && !collection.startsWith('directus_') && collection !== 'ml_documents' && collection !== 'ml_chunks' && collection !== 'ml_usage';
	// Notes a save under way (Directus runs the filter per item before the write), so background
	// indexing in this process waits until saves pause; the action below notes its end.
	const onSaving = async (payload: unknown, meta: Record<string, unknown>): Promise<unknown> => {
		if (indexable(String(meta.collection ?? ''))) (await getContainer()).saves.touch();
		return payload;
	};
	filter('items.create', onSaving);
	filter('items.update', onSaving);
	filter('items.delete', onSaving);

	const onItemsChanged = async (meta: Record<string, unknown>): Promise<void> => {
		const collection = String(meta.collection ?? '');
		if (!indexable(collection)) return;
		let container: Container | null = null;
		try {
			container = await getContainer();
			container.saves.touch();
			const keys = keysOf(meta);
			if (keys.length === 0) return;
			for (const index of await container.indexes.forCollection(collection)) container.changes.add(index.id, collection, keys);
		} catch (error) {
			(container?.host.logger ?? console).error(error, `[ml-suite] indexing hook failed for ${collection}`);
		}
	};
	action('items.create', onItemsChanged);
	action('items.update', onItemsChanged);
	action('items.delete', onItemsChanged);

	// Index definitions: validate, then re-index when what shapes the vectors changed.
	const validate = async (payload: unknown, meta: Record<string, unknown>, context: Record<string, unknown>): Promise<unknown> => {
		const container = await getContainer();
		const schema = (context.schema as SchemaOverview | undefined) ?? (await container.host.getSchema());
		const changes = (payload ?? {}) as Record<string, unknown>;
		if (changes.name !== undefined && !/^[a-z0-9][a-z0-9_-]{0,62}$/.test(String(changes.name))) {
			throw new InvalidPayloadError({ reason: `Index name "${String(changes.name)}" must be a slug: lowercase letters, digits, - and _ (at most 63)` });
		}
		let collection = changes.collection as string | undefined;
		if (!collection && Array.isArray(meta.keys) && meta.keys.length > 0) {
			const row = await container.host.database('ml_indexes').select('collection').where('id', String(meta.keys[0])).first();
			collection = row?.collection as string | undefined;
		}
		if (!collection) return payload;
		const info = schema.collections[collection];
		if (!info) throw new InvalidPayloadError({ reason: `Collection "${collection}" does not exist` });
		if (collection.startsWith('directus_') || (collection.startsWith('ml_') && collection !== 'ml_rag_documents' && collection !== 'ml_transcripts')) {
			throw new InvalidPayloadError({ reason: `Collection "${collection}" cannot be indexed` });
		}
		for (const key of ['content_fields', 'context_fields', 'metadata_fields', 'title_field'] as const) {
			const value = changes[key];
			if (value === undefined || value === null) continue;
			const fields = Array.isArray(value) ? value.map(String) : String(value).split(',').map((s) => s.trim()).filter(Boolean);
			const unknown = fields.filter((field) => !info.fields[field]);
			if (unknown.length > 0) throw new InvalidPayloadError({ reason: `Unknown field(s) in ${key} for "${collection}": ${unknown.join(', ')}` });
		}
		return payload;
	};
	filter('ml_indexes.items.create', validate);
	filter('ml_indexes.items.update', validate);

	const deleting = new Map<string, IndexDefinition>();
	filter('ml_indexes.items.delete', async (payload) => {
		const container = await getContainer();
		for (const key of (payload as unknown[]) ?? []) {
			const index = await container.indexes.byId(String(key));
			if (index) deleting.set(index.id, index);
		}
		return payload;
	});
	action('ml_indexes.items.delete', async (meta) => {
		const container = await getContainer();
		container.indexes.invalidate();
		// Its ml_documents rows went with it (foreign key cascade); their chunks have no foreign key.
		await removeOrphanChunks(container.host.database).catch((error: unknown) => container.host.logger.error(error, '[ml-suite] removing chunks of a deleted index failed'));
		for (const key of keysOf(meta)) {
			const index = deleting.get(key);
			deleting.delete(key);
			if (!index) continue;
			try {
				await container.indexing.dropIndex(index);
			} catch (error) {
				container.host.logger.error(error, `[ml-suite] dropping vectors of deleted index ${index.name} failed`);
			}
		}
	});

	// An admin deleting state rows in the app (e.g. to force re-indexing) leaves their chunks behind.
	action('ml_documents.items.delete', async () => {
		const container = await getContainer();
		await removeOrphanChunks(container.host.database).catch((error: unknown) => container.host.logger.error(error, '[ml-suite] removing chunks of deleted documents failed'));
	});

	const onIndexSaved = async (meta: Record<string, unknown>): Promise<void> => {
		const container = await getContainer();
		container.indexes.invalidate();
		for (const key of keysOf(meta)) {
			try {
				const index = await container.indexes.byId(key);
				if (!index || index.status !== 'active') continue;
				await container.scheduleReindexIfStale(index);
			} catch (error) {
				container.host.logger.error(error, `[ml-suite] scheduling reindex of index ${key} failed`);
			}
		}
	};
	action('ml_indexes.items.create', onIndexSaved);
	action('ml_indexes.items.update', onIndexSaved);
}
