import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { UsageRow } from './knex-usage-recorder.js';
import { bucketHigh, bucketLow, bucketOf, HISTOGRAM_BUCKETS, HISTOGRAM_COLUMNS } from './latency-histogram.js';

/** The internal table of hourly usage aggregates (one row per hour × dimension combination). */
export const USAGE_ROLLUP_TABLE = 'ml_usage_rollups';

/** Dimensions a rollup row is keyed by: every `ml_usage` column a report groups or filters on. */
export const ROLLUP_DIMENSIONS = ['user', 'source_type', 'source', 'capability', 'provider', 'model', 'collection', 'status', 'error_code'] as const;
export type RollupDimension = (typeof ROLLUP_DIMENSIONS)[number];

export const HOUR_MS = 3_600_000;

export interface RollupRow extends Pick<UsageRow, RollupDimension> {
	/** Hours since the Unix epoch (UTC): the hour the calls started in. */
	bucket: number;
	/** Hash of the dimension values, unique per bucket. */
	key: string;
	calls: number;
	input_tokens: number;
	output_tokens: number;
	cost: number;
	latency_ms: number;
	cache_hits: number;
	/** Latency histogram of the calls that reached a provider (cache hits left out): `h00` … `h71`, see latency-histogram.ts. */
	[histogramColumn: `h${string}`]: number;
}

/** The daily tier of a rollup table: the same rows summed per UTC day (`bucket` = days since the epoch). */
export function dailyRollupTable(table = USAGE_ROLLUP_TABLE): string {
	return `${table}_daily`;
}

export const DAY_HOURS = 24;

/**
 * Creates `ml_usage_rollups` (hourly) and its daily tier `ml_usage_rollups_daily` if they are
 * missing. Plain tables, not Directus collections: derived data that only the usage reports read.
 * A daily tier added to an existing hourly table is filled from it here. Returns true when the
 * hourly table just got its histogram columns (its histograms then need a rebuild from raw rows).
 */
export async function ensureUsageRollupTable(knex: Knex, table = USAGE_ROLLUP_TABLE): Promise<boolean> {
	const daily = dailyRollupTable(table);
	const hourlyExisted = await knex.schema.hasTable(table);
	const histogramsAdded = hourlyExisted ? await addHistogramColumns(knex, table) : (await createRollupTable(knex, table), false);
	if (!(await knex.schema.hasTable(daily))) {
		await createRollupTable(knex, daily);
		if (hourlyExisted) await rebuildDailyRollups(knex, {}, table);
	}
	return histogramsAdded;
}

async function createRollupTable(knex: Knex, table: string): Promise<void> {
	await knex.schema.createTable(table, (t) => {
		t.integer('bucket').notNullable();
		t.string('key', 40).notNullable();
		usageCallColumns(t);
		t.string('status', 16).notNullable();
		t.string('error_code', 64).nullable();
		t.bigInteger('calls').notNullable().defaultTo(0);
		t.bigInteger('input_tokens').notNullable().defaultTo(0);
		t.bigInteger('output_tokens').notNullable().defaultTo(0);
		t.double('cost').notNullable().defaultTo(0);
		t.bigInteger('latency_ms').notNullable().defaultTo(0);
		t.bigInteger('cache_hits').notNullable().defaultTo(0);
		for (const column of HISTOGRAM_COLUMNS) t.integer(column).notNullable().defaultTo(0);
		t.primary(['bucket', 'key']);
	});
}

/** Adds the histogram columns to a rollup table made before they existed; true when it did (the histograms then need a rebuild). */
async function addHistogramColumns(knex: Knex, table: string): Promise<boolean> {
	const existing = new Set(Object.keys(await knex(table).columnInfo()));
	const missing = HISTOGRAM_COLUMNS.filter((c) => !existing.has(c));
	if (missing.length === 0) return false;
	await knex.schema.alterTable(table, (t) => {
		for (const column of missing) t.integer(column).notNullable().defaultTo(0);
	});
	return true;
}

const emptyHistogram = (): Record<string, number> => Object.fromEntries(HISTOGRAM_COLUMNS.map((c) => [c, 0]));

function rollupKey(row: Pick<UsageRow, RollupDimension>): string {
	return createHash('sha1')
		.update(JSON.stringify(ROLLUP_DIMENSIONS.map((d) => row[d] ?? null)))
		.digest('hex');
}

/** Adds up usage rows per hour and dimensions. */
export function rollUp(rows: readonly UsageRow[]): RollupRow[] {
	const out = new Map<string, RollupRow>();
	for (const row of rows) {
		const bucket = Math.floor(row.timestamp.getTime() / HOUR_MS);
		const key = rollupKey(row);
		const id = `${bucket}:${key}`;
		let agg = out.get(id);
		if (!agg) {
			agg = {
				bucket,
				key,
				user: row.user,
				source_type: row.source_type,
				source: row.source,
				capability: row.capability,
				provider: row.provider,
				model: row.model,
				collection: row.collection,
				status: row.status,
				error_code: row.error_code,
				calls: 0,
				input_tokens: 0,
				output_tokens: 0,
				cost: 0,
				latency_ms: 0,
				cache_hits: 0,
				...emptyHistogram(),
			};
			out.set(id, agg);
		}
		agg.calls += 1;
		agg.input_tokens += row.input_tokens;
		agg.output_tokens += row.output_tokens;
		agg.cost += row.cost;
		agg.latency_ms += row.latency_ms;
		agg.cache_hits += row.cache_hit ? 1 : 0;
		if (!row.cache_hit) {
			const column = HISTOGRAM_COLUMNS[bucketOf(row.latency_ms)] as `h${string}`;
			agg[column] = (agg[column] ?? 0) + 1;
		}
	}
	return [...out.values()];
}

/** Rollup rows per INSERT: 89 columns × 10 stays under SQLite's 999 bound-parameter limit. */
const ROLLUPS_PER_STATEMENT = 10;
const MEASURES = ['calls', 'input_tokens', 'output_tokens', 'cost', 'latency_ms', 'cache_hits', ...HISTOGRAM_COLUMNS] as const;

/**
 * Adds hourly aggregates to the stored rollups, and their sums per day to the daily tier
 * (`INSERT … ON CONFLICT DO UPDATE SET calls = calls + excluded.calls`, on SQLite and PostgreSQL
 * alike), so concurrent writers from several processes add up instead of overwriting each other.
 * Run it in the transaction that inserts the raw rows: both tiers then always agree.
 */
export async function addToRollups(trx: Knex | Knex.Transaction, rollups: readonly RollupRow[], table = USAGE_ROLLUP_TABLE): Promise<void> {
	await upsertRollups(trx, rollups, table);
	await upsertRollups(trx, toDays(rollups), dailyRollupTable(table));
}

async function upsertRollups(trx: Knex | Knex.Transaction, rollups: readonly RollupRow[], table: string): Promise<void> {
	const merge = Object.fromEntries(MEASURES.map((m) => [m, trx.raw('?? + excluded.??', [`${table}.${m}`, m])]));
	for (let i = 0; i < rollups.length; i += ROLLUPS_PER_STATEMENT) {
		await trx(table)
			.insert(rollups.slice(i, i + ROLLUPS_PER_STATEMENT))
			.onConflict(['bucket', 'key'])
			.merge(merge);
	}
}

/** Hourly rollup rows summed per day and key. */
function toDays(hourly: readonly RollupRow[]): RollupRow[] {
	const out = new Map<string, RollupRow>();
	for (const row of hourly) {
		const bucket = Math.floor(row.bucket / DAY_HOURS);
		const id = `${bucket}:${row.key}`;
		const agg = out.get(id);
		if (!agg) {
			out.set(id, { ...row, bucket });
			continue;
		}
		for (const m of MEASURES) (agg as unknown as Record<string, number>)[m] = Number(agg[m as keyof RollupRow]) + Number(row[m as keyof RollupRow]);
	}
	return [...out.values()];
}

/**
 * Recomputes the daily tier of `[from, to)` (widened to whole days) from the hourly rollups, in
 * one `INSERT … SELECT … GROUP BY`: after the hourly rows of that range were rebuilt, and when
 * the daily tier is new.
 */
export async function rebuildDailyRollups(knex: Knex | Knex.Transaction, range: { fromHour?: number; toHour?: number } = {}, table = USAGE_ROLLUP_TABLE): Promise<void> {
	const daily = dailyRollupTable(table);
	const fromDay = range.fromHour === undefined ? null : Math.floor(range.fromHour / DAY_HOURS);
	const toDay = range.toHour === undefined ? null : Math.ceil(range.toHour / DAY_HOURS);
	const inRange = (q: Knex.QueryBuilder, column: string, scale: number): void => {
		if (fromDay !== null) void q.where(column, '>=', fromDay * scale);
		if (toDay !== null) void q.where(column, '<', toDay * scale);
	};
	await knex(daily).modify(inRange, 'bucket', 1).delete();
	const day = knex.raw(`?? / ${DAY_HOURS}`, ['bucket']);
	const select = knex(table)
		.select({ bucket: day }, 'key', ...ROLLUP_DIMENSIONS)
		.sum(Object.fromEntries(MEASURES.map((m) => [m, m])))
		.modify(inRange, 'bucket', DAY_HOURS)
		.groupBy(day)
		.groupBy(['key', ...ROLLUP_DIMENSIONS]);
	const columns = ['bucket', 'key', ...ROLLUP_DIMENSIONS, ...MEASURES];
	const target = knex.raw(`?? (${columns.map(() => '??').join(', ')})`, [daily, ...columns]).toQuery();
	const { sql, bindings } = select.toSQL();
	await knex.raw(`INSERT INTO ${target} ${sql}`, bindings);
}

/** SQL for the hour (since the epoch) of `ml_usage.timestamp`: SQLite holds epoch milliseconds (or ISO text from other writers). */
export function hourExpression(knex: Knex, column = 'timestamp'): Knex.Raw {
	if (isPostgres(knex)) return knex.raw('floor(extract(epoch from ??) / 3600)::integer', [column]);
	return knex.raw(`(CASE WHEN typeof(??) IN ('integer', 'real') THEN CAST(?? / ${HOUR_MS} AS INTEGER) ELSE CAST(strftime('%s', ??) AS INTEGER) / 3600 END)`, [column, column, column]);
}

export function isPostgres(knex: Knex): boolean {
	const client = String(knex.client.config.client);
	return client === 'pg' || client === 'postgres' || client === 'postgresql';
}

/**
 * Recomputes the rollups of `[from, to)` (whole hours) from the raw rows: after costs were
 * recomputed, and at start-up for rows written before rollups existed. Rows pruned by retention
 * are gone from `ml_usage`, so hours before the oldest raw row are left as they are. The daily
 * tier of the days touched is then recomputed from the hourly rows.
 */
export async function rebuildRollups(knex: Knex, range: { from?: Date; to?: Date } = {}, tables = { usage: 'ml_usage', rollups: USAGE_ROLLUP_TABLE }): Promise<number> {
	const oldest = await knex(tables.usage).min({ t: 'timestamp' }).first();
	if (!oldest || oldest.t === null || oldest.t === undefined) return 0;
	const oldestMs = toDate(oldest.t).getTime();
	const fromMs = Math.max(range.from?.getTime() ?? 0, oldestMs);
	const fromBucket = Math.floor(fromMs / HOUR_MS);
	const toBucket = range.to ? Math.ceil(range.to.getTime() / HOUR_MS) : Number.MAX_SAFE_INTEGER;
	const hour = hourExpression(knex);
	const grouped: (Record<RollupDimension, string | null> & { bucket: number | string } & Record<string, number | string | null>)[] = await knex(tables.usage)
		.select({ bucket: hour }, ...ROLLUP_DIMENSIONS)
		.count({ calls: '*' })
		.sum({ input_tokens: 'input_tokens', output_tokens: 'output_tokens', cost: 'cost', latency_ms: 'latency_ms' })
		.select(knex.raw('sum(CASE WHEN ?? THEN 1 ELSE 0 END) as cache_hits', ['cache_hit']))
		.select(HISTOGRAM_COLUMNS.map((column, i) => histogramSum(knex, i, column)))
		.where('timestamp', '>=', new Date(fromBucket * HOUR_MS))
		.modify((q) => {
			if (toBucket !== Number.MAX_SAFE_INTEGER) void q.where('timestamp', '<', new Date(toBucket * HOUR_MS));
		})
		.groupBy(hour)
		.groupBy([...ROLLUP_DIMENSIONS]);
	const rows: RollupRow[] = grouped.map((g) => {
		const dims = Object.fromEntries(ROLLUP_DIMENSIONS.map((d) => [d, g[d] ?? null])) as Record<RollupDimension, string | null>;
		return {
			...(dims as Pick<RollupRow, RollupDimension>),
			bucket: Number(g.bucket),
			key: rollupKey(dims as Pick<UsageRow, RollupDimension>),
			calls: Number(g.calls ?? 0),
			input_tokens: Number(g.input_tokens ?? 0),
			output_tokens: Number(g.output_tokens ?? 0),
			cost: Number(g.cost ?? 0),
			latency_ms: Number(g.latency_ms ?? 0),
			cache_hits: Number(g.cache_hits ?? 0),
			...Object.fromEntries(HISTOGRAM_COLUMNS.map((c) => [c, Number(g[c] ?? 0)])),
		};
	});
	await knex.transaction(async (trx) => {
		await trx(tables.rollups)
			.where('bucket', '>=', fromBucket)
			.modify((q) => {
				if (toBucket !== Number.MAX_SAFE_INTEGER) void q.where('bucket', '<', toBucket);
			})
			.delete();
		await upsertRollups(trx, rows, tables.rollups);
		await rebuildDailyRollups(trx, { fromHour: fromBucket, ...(toBucket !== Number.MAX_SAFE_INTEGER ? { toHour: toBucket } : {}) }, tables.rollups);
	});
	return rows.length;
}

/** SQL counting a group's provider calls (not cache hits) whose latency falls in histogram bucket `i`. */
function histogramSum(knex: Knex, i: number, column: string): Knex.Raw {
	// Bounds are written as numeric literals (computed here, not user input): bound as parameters,
	// PostgreSQL would type them after the integer column and reject 1.189….
	const conditions: string[] = [];
	if (i > 0) conditions.push(`?? >= ${bucketLow(i).toFixed(12)}`);
	if (i < HISTOGRAM_BUCKETS - 1) conditions.push(`?? < ${bucketHigh(i).toFixed(12)}`);
	return knex.raw(`sum(CASE WHEN NOT ?? AND ${conditions.join(' AND ')} THEN 1 ELSE 0 END) as ??`, ['cache_hit', ...conditions.map(() => 'latency_ms'), column]);
}

/** A timestamp as a driver returns it: Date (pg), epoch milliseconds or ISO text (SQLite). */
export function toDate(value: unknown): Date {
	if (value instanceof Date) return value;
	if (typeof value === 'number') return new Date(value);
	const s = String(value);
	if (/^\d+(\.\d+)?$/.test(s)) return new Date(Number(s));
	return new Date(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s.replace(' ', 'T')}Z`);
}

/** The columns naming who called what, for where (`ml_usage` and its rollups alike). */
export function usageCallColumns(t: Knex.CreateTableBuilder): void {
	t.string('user', 36).nullable();
	t.string('source_type', 32).notNullable();
	t.string('source', 255).notNullable();
	t.string('capability', 32).notNullable();
	t.string('provider', 64).notNullable();
	t.string('model', 255).notNullable();
	t.string('collection', 64).nullable();
}
