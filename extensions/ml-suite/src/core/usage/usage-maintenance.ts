import type { Knex } from 'knex';
import { HOUR_MS, rebuildRollups, USAGE_ROLLUP_TABLE } from './usage-rollups.js';

export interface UsageTables {
	usage: string;
	rollups: string;
	models: string;
}

const DEFAULT_TABLES: UsageTables = { usage: 'ml_usage', rollups: USAGE_ROLLUP_TABLE, models: 'ml_models' };

/**
 * Deletes raw usage rows older than `before` (rounded down to the hour), a batch at a time so no long transaction holds the
 * table. Rollups are kept: reports over pruned hours still show calls, tokens, cost and (from the
 * rollups' histograms) latency percentiles. Returns how many rows were deleted.
 */
export async function pruneUsage(knex: Knex, before: Date, options: { batchSize?: number; table?: string } = {}): Promise<number> {
	const table = options.table ?? DEFAULT_TABLES.usage;
	const batchSize = Math.max(1, options.batchSize ?? 5000);
	// Whole hours only: the rollups of the oldest remaining hour can then be rebuilt from raw rows.
	before = new Date(Math.floor(before.getTime() / HOUR_MS) * HOUR_MS);
	let total = 0;
	for (;;) {
		const deleted = await knex(table)
			.whereIn('id', knex(table).select('id').where('timestamp', '<', before).limit(batchSize))
			.delete();
		total += deleted;
		if (deleted < batchSize) return total;
	}
}

/**
 * Recomputes `ml_usage.cost` from the current prices in `ml_models` (per 1M input and output
 * tokens, and per minute of audio for transcriptions; matched on provider and model id) for calls in `[from, to)`, optionally of one model id, then rebuilds the rollups of
 * those hours. For when prices were missing or wrong when the calls were made. Returns the rows updated.
 */
export async function recomputeCosts(
	knex: Knex,
	options: { from?: Date; to?: Date; model?: string } = {},
	tables: UsageTables = DEFAULT_TABLES,
): Promise<{ updated: number; rollups: number }> {
	type PriceRow = { provider: string; model_id: string; input_price_per_million: number | string | null; output_price_per_million: number | string | null; audio_price_per_minute?: number | string | null };
	// Older registries have no audio price column: their transcriptions cost 0, as when they were recorded.
	const audio = await knex.schema.hasColumn(tables.models, 'audio_price_per_minute');
	const prices: PriceRow[] = await knex(tables.models)
		.select('provider', 'model_id', 'input_price_per_million', 'output_price_per_million', ...(audio ? ['audio_price_per_minute'] : []))
		.modify((q) => {
			if (options.model) void q.where('model_id', options.model);
		});
	const seen = new Set<string>();
	let updated = 0;
	await knex.transaction(async (trx) => {
		for (const p of prices) {
			const id = `${p.provider}\u0000${p.model_id}`;
			// Several registry rows may name one provider model; the first one's prices win, as in the registry.
			if (seen.has(id)) continue;
			seen.add(id);
			const input = Number(p.input_price_per_million ?? 0) || 0;
			const output = Number(p.output_price_per_million ?? 0) || 0;
			const perMinute = Number(p.audio_price_per_minute ?? 0) || 0;
			updated += await trx(tables.usage)
				.where({ provider: p.provider, model: p.model_id })
				.modify((q) => {
					if (options.from) void q.where('timestamp', '>=', options.from);
					if (options.to) void q.where('timestamp', '<', options.to);
				})
				.update({ cost: trx.raw('(? * ?? + ? * ??) / 1000000.0 + ? * COALESCE(??, 0) / 60.0', [input, 'input_tokens', output, 'output_tokens', perMinute, 'audio_seconds']) });
		}
	});
	const rollups = await rebuildRollups(knex, { from: options.from, to: options.to }, { usage: tables.usage, rollups: tables.rollups });
	return { updated, rollups };
}
