import { InvalidPayloadError } from '@directus/errors';
import type { SchemaOverview } from '@directus/types';
import { readFields, targetFields, toEnrichmentDefinition, type EnrichmentDefinition } from '../../core/enrichment/enrichment-definition.js';
import type { Container } from '../container.js';
import type { HookRegister } from './hook-register.js';

function keysOf(meta: Record<string, unknown>): string[] {
	if (Array.isArray(meta.keys)) return meta.keys.map(String);
	if (meta.key !== undefined && meta.key !== null) return [String(meta.key)];
	return [];
}

/**
 * Runs enrichment pipelines on saves. A save never waits on analysis or fails because of it:
 * the hook marks the items pending and enqueues the work; if the queue is down the rows stay
 * pending for the start-up sweep. An update runs a pipeline only when it touched one of the
 * fields the pipeline reads, so the suite's own writes (target fields only, never read by the
 * same pipeline) cannot trigger it again; the job also skips items whose source hash is unchanged.
 */
export function registerEnrichmentHooks({ action, filter }: HookRegister, getContainer: () => Promise<Container>): void {
	const enqueue = async (container: Container, def: EnrichmentDefinition, keys: string[]): Promise<void> => {
		await container.enrichment.state.markPending(def.id, def.collection, keys);
		try {
			for (let i = 0; i < keys.length; i += 200) await container.queue.enqueue('enrich-items', { enrichmentId: def.id, keys: keys.slice(i, i + 200) });
		} catch (error) {
			container.host.logger.warn(`[ml-suite] could not enqueue enrichment "${def.name}" (${keys.length} items); they stay pending: ${(error as Error).message}`);
		}
	};

	const onSaved = (kind: 'create' | 'update') => async (meta: Record<string, unknown>): Promise<void> => {
		const collection = String(meta.collection ?? '');
		if (!collection || collection.startsWith('directus_') || collection.startsWith('ml_')) return;
		let container: Container | null = null;
		try {
			container = await getContainer();
			const pipelines = await container.enrichments.forCollection(collection);
			if (pipelines.length === 0) return;
			const keys = keysOf(meta);
			if (keys.length === 0) return;
			const changed = Object.keys((meta.payload as Record<string, unknown> | undefined) ?? {});
			if (kind === 'update') container.enrichment.invalidateCalibration();
			for (const def of pipelines) {
				if (kind === 'update' && !readFields(def).some((f) => changed.includes(f))) continue;
				await enqueue(container, def, keys);
			}
		} catch (error) {
			(container?.host.logger ?? console).error(error, `[ml-suite] enrichment hook failed for ${collection}`);
		}
	};
	action('items.create', onSaved('create'));
	action('items.update', onSaved('update'));
	action('items.delete', async (meta) => {
		const collection = String(meta.collection ?? '');
		if (!collection || collection.startsWith('directus_') || collection.startsWith('ml_')) return;
		try {
			const container = await getContainer();
			for (const def of await container.enrichments.forCollection(collection)) await container.enrichment.state.remove(def.id, keysOf(meta));
		} catch {
			// Orphan state rows are harmless; they are removed when the item is next seen missing.
		}
	});

	// Pipeline definitions: validated before they are saved, backfilled after.
	const validate = async (payload: unknown, meta: Record<string, unknown>, context: Record<string, unknown>): Promise<unknown> => {
		const container = await getContainer();
		const schema = (context.schema as SchemaOverview | undefined) ?? (await container.host.getSchema());
		const keys = keysOf(meta);
		const rows = keys.length > 0 ? await container.host.database('ml_enrichments').whereIn('id', keys) : [{}];
		for (const existing of rows) {
			const merged = { id: 'new', name: 'pipeline', ...existing, ...(payload as Record<string, unknown>) };
			let def: EnrichmentDefinition;
			try {
				def = toEnrichmentDefinition(merged);
			} catch (error) {
				const issues = (error as { issues?: { path: (string | number)[]; message: string }[] }).issues;
				throw new InvalidPayloadError({ reason: issues ? issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : (error as Error).message });
			}
			checkDefinition(def, schema);
		}
		return payload;
	};
	filter('ml_enrichments.items.create', validate);
	filter('ml_enrichments.items.update', validate);

	const onPipelineSaved = async (meta: Record<string, unknown>): Promise<void> => {
		const container = await getContainer();
		container.enrichments.invalidate();
		container.enrichment.invalidateCalibration();
		for (const key of keysOf(meta)) {
			const def = await container.enrichments.byId(key);
			if (!def || def.status !== 'active') continue;
			// Unchanged items are skipped by their source hash, which covers the pipeline's settings too.
			await container.queue.enqueue('enrich-backfill', { enrichmentId: def.id }, { jobId: `enrich-backfill-${def.id}-${Date.now()}` }).catch((error: unknown) => {
				container.host.logger.warn(`[ml-suite] could not enqueue the backfill of "${def.name}": ${(error as Error).message}`);
			});
		}
	};
	action('ml_enrichments.items.create', onPipelineSaved);
	action('ml_enrichments.items.update', onPipelineSaved);
	action('ml_enrichments.items.delete', async () => (await getContainer()).enrichments.invalidate());
}

/** A pipeline must name existing fields and must not write what it reads (that would loop). */
export function checkDefinition(def: EnrichmentDefinition, schema: SchemaOverview): void {
	const info = schema.collections[def.collection];
	if (!info) throw new InvalidPayloadError({ reason: `Collection "${def.collection}" does not exist` });
	if (def.collection.startsWith('directus_') || def.collection.startsWith('ml_')) throw new InvalidPayloadError({ reason: `Collection "${def.collection}" cannot be enriched` });
	if (def.sourceFields.length === 0 && !def.complexityFields) throw new InvalidPayloadError({ reason: 'source_fields must name at least one field' });
	const unknownRead = readFields(def).filter((f) => !info.fields[f]);
	if (unknownRead.length > 0) throw new InvalidPayloadError({ reason: `Unknown source field(s) on "${def.collection}": ${unknownRead.join(', ')}` });
	if (def.targets.length === 0) throw new InvalidPayloadError({ reason: 'targets must name at least one analysis and field' });
	const unknownTargets = targetFields(def).filter((f) => !info.fields[f]);
	if (unknownTargets.length > 0) throw new InvalidPayloadError({ reason: `Unknown target field(s) on "${def.collection}": ${unknownTargets.join(', ')}` });
	const loops = targetFields(def).filter((f) => readFields(def).includes(f) || f === info.primary);
	if (loops.length > 0) throw new InvalidPayloadError({ reason: `Target field(s) ${loops.join(', ')} are also read by the pipeline (or are the primary key); a pipeline must not write what it reads` });
	const duplicates = def.targets.map((t) => t.field).filter((f, i, all) => all.indexOf(f) !== i);
	if (duplicates.length > 0) throw new InvalidPayloadError({ reason: `Field(s) ${[...new Set(duplicates)].join(', ')} are targeted twice` });
}
