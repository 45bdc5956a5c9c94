import type { Knex } from 'knex';
import type { ModelDefinition } from '../providers/types.js';

/** Calls and errors of one model in a period. */
export interface ModelUsageCount {
	calls: number;
	errors: number;
}

/** Whether a `ml_usage` row (provider, model) belongs to a registry model. Classifier rows name their version (`<model_id>@v3`). */
export function usageBelongsTo(definition: Pick<ModelDefinition, 'provider' | 'modelId' | 'task'>, provider: string, model: string): boolean {
	if (definition.task === 'classification') return model === definition.modelId || model.startsWith(`${definition.modelId}@v`);
	return provider === definition.provider && model === definition.modelId;
}

/** Calls and errors per registry model since `since`, from `ml_usage`. */
export async function usageSince(knex: Knex, definitions: readonly ModelDefinition[], since: Date): Promise<Map<string, ModelUsageCount>> {
	const rows = (await knex('ml_usage')
		.select('provider', 'model', 'status')
		.count({ n: '*' })
		.where('timestamp', '>=', since)
		.groupBy('provider', 'model', 'status')) as { provider: string | null; model: string | null; status: string | null; n: number | string }[];
	const out = new Map<string, ModelUsageCount>(definitions.map((d) => [d.id, { calls: 0, errors: 0 }]));
	for (const row of rows) {
		for (const d of definitions) {
			if (!usageBelongsTo(d, row.provider ?? '', row.model ?? '')) continue;
			const entry = out.get(d.id)!;
			entry.calls += Number(row.n);
			if (row.status === 'error') entry.errors += Number(row.n);
		}
	}
	return out;
}

/** Recent `ml_usage` rows of a model (newest first); `errorsOnly` for the errors inline. */
export async function recentUsage(knex: Knex, definition: ModelDefinition, options: { limit: number; errorsOnly?: boolean }): Promise<Record<string, unknown>[]> {
	const query = knex('ml_usage')
		.select('id', 'timestamp', 'source', 'capability', 'provider', 'model', 'collection', 'input_tokens', 'output_tokens', 'cost', 'latency_ms', 'status', 'error_code')
		.orderBy('timestamp', 'desc')
		.limit(options.limit);
	if (definition.task === 'classification') query.where((q) => q.where('model', definition.modelId).orWhere('model', 'like', `${definition.modelId}@v%`));
	else query.where({ provider: definition.provider, model: definition.modelId });
	if (options.errorsOnly) query.where('status', 'error');
	return (await query) as Record<string, unknown>[];
}
