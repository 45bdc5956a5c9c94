import type { Container } from '../container.js';
import { systemAdmin } from '../schema/ensure-schema.js';
import type { ActionRegister } from './hook-register.js';

function keysOf(meta: Record<string, unknown>): string[] {
	if (Array.isArray(meta.keys)) return meta.keys.map(String);
	if (meta.key !== undefined && meta.key !== null) return [String(meta.key)];
	return [];
}

/**
 * One default model per task. Marking a model as default (or moving a default model to another
 * task) unsets the previous default of that task, through Directus's ItemsService so revisions,
 * activity and other hooks see the change.
 *
 * Why unset rather than refuse: "make this the default" is the admin's intent, and refusing would
 * force a two-step edit (unset the old one first) with a window where a task has no default at
 * all, during which indexing and RAG would fail. The previous default stays in the registry,
 * active, and can be made the default again with one click.
 */
export function registerDefaultModelHooks(action: ActionRegister, getContainer: () => Promise<Container>): void {
	const onWrite = async (meta: Record<string, unknown>, context: Record<string, unknown>): Promise<void> => {
		const payload = (meta.payload ?? {}) as Record<string, unknown>;
		if (payload.is_default === undefined && payload.task === undefined) return;
		const keys = keysOf(meta);
		if (keys.length === 0) return;
		const container = await getContainer();
		const { host } = container;
		try {
			const schema = (context.schema as Awaited<ReturnType<typeof host.getSchema>> | undefined) ?? (await host.getSchema());
			const items = new host.services.ItemsService('ml_models', { accountability: systemAdmin(), schema, knex: host.database });
			const rows = (await items.readMany(keys, { fields: ['id', 'task', 'is_default'], limit: -1 })) as { id: string; task: string; is_default: boolean | number | null }[];
			// Per task, the last key written wins (a batch that marks two models keeps the last one).
			const winners = new Map<string, string>();
			for (const key of keys) {
				const row = rows.find((r) => String(r.id) === key);
				if (row && (row.is_default === true || row.is_default === 1)) winners.set(row.task, String(row.id));
			}
			for (const [task, id] of winners) {
				const previous = (await items.readByQuery({
					filter: { _and: [{ task: { _eq: task } }, { is_default: { _eq: true } }, { id: { _neq: id } }] },
					fields: ['id'],
					limit: -1,
				})) as { id: string }[];
				if (previous.length === 0) continue;
				await items.updateMany(
					previous.map((p) => p.id),
					{ is_default: false },
				);
				host.logger.info(`[ml-suite] ${id} is now the default ${task} model; unset the previous default (${previous.map((p) => p.id).join(', ')})`);
			}
		} catch (error) {
			host.logger.error(error, '[ml-suite] could not unset the previous default model');
		} finally {
			container.models.invalidate();
		}
	};
	action('ml_models.items.create', onWrite);
	action('ml_models.items.update', onWrite);
}
