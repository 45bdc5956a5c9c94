import type { Accountability } from '@directus/types';
import { ForbiddenError } from '../core/errors.js';
import type { ModelDefinition } from '../core/providers/types.js';
import type { HostContext } from './container-types.js';

/**
 * Using a model follows Directus permissions: a caller may use a model only if Directus lets
 * them read its `ml_models` row (admins always). Roles without any policy, or whose policies
 * do not cover ml_models, cannot spend on providers; an administrator grants use of all models
 * or, with an item-level rule, of chosen ones.
 */
export async function assertCanUseModel(host: HostContext, accountability: Accountability, definition: ModelDefinition): Promise<void> {
	if (await canUseModel(host, accountability, definition)) return;
	throw new ForbiddenError(
		`You may not use the model "${definition.name}": your role cannot read it in ml_models. An administrator can grant read access to ml_models (all models, or chosen ones with an item rule).`,
	);
}

/** Whether the caller may use the model (see `assertCanUseModel`). */
export async function canUseModel(host: HostContext, accountability: Accountability, definition: Pick<ModelDefinition, 'id'>): Promise<boolean> {
	if (accountability.admin === true) return true;
	const schema = await host.getSchema();
	const service = new host.services.ItemsService('ml_models', { schema, knex: host.database, accountability });
	try {
		const rows = (await service.readByQuery({ fields: ['id'], filter: { id: { _eq: definition.id } }, limit: 1 })) as unknown[];
		return rows.length > 0;
	} catch (error) {
		if ((error as { status?: number }).status !== 403) throw error;
		return false;
	}
}
