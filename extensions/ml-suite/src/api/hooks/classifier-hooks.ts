import type { Container } from '../container.js';
import type { ActionRegister } from './hook-register.js';

function keyCount(meta: Record<string, unknown>): number {
	if (Array.isArray(meta.keys)) return meta.keys.length;
	return meta.key !== undefined && meta.key !== null ? 1 : 0;
}

/**
 * Classifiers and the content they learn from:
 * - automatic retraining: items created or updated with a label (by people or API clients; the
 *   suite's own system writes, e.g. an enrichment pipeline's predictions, have no accountability
 *   and are not labels) count towards each classifier's `retrainAfterNewLabels`;
 * - a deleted classifier's versions, tests and label count go with it.
 * A save never waits on or fails because of this.
 */
export function registerClassifierHooks(action: ActionRegister, getContainer: () => Promise<Container>): void {
	const onSaved = async (meta: Record<string, unknown>, context: Record<string, unknown>): Promise<void> => {
		const collection = String(meta.collection ?? '');
		if (!collection || collection.startsWith('directus_') || collection.startsWith('ml_')) return;
		if (!context?.accountability) return;
		const payload = meta.payload;
		if (!payload || typeof payload !== 'object' || Array.isArray(payload)) return;
		let container: Container | null = null;
		try {
			container = await getContainer();
			await container.classifiers.labelsWritten(collection, payload as Record<string, unknown>, keyCount(meta));
		} catch (error) {
			(container?.host.logger ?? console).warn(`[ml-suite] counting new labels in ${collection} for automatic retraining failed: ${(error as Error).message}`);
		}
	};
	action('items.create', onSaved);
	action('items.update', onSaved);

	action('ml_models.items.delete', async (meta) => {
		const keys = Array.isArray(meta.keys) ? meta.keys.map(String) : [];
		if (keys.length === 0) return;
		const c = await getContainer();
		for (const key of keys) await c.classifierVersions.removeModel(key).catch((error: unknown) => c.host.logger.warn(`[ml-suite] could not remove the versions of deleted model ${key}: ${(error as Error).message}`));
	});
}
