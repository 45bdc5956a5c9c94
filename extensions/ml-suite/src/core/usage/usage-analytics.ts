import type { Knex } from 'knex';
import type { LatencyPercentiles, UsageBucket, UsageDimension, UsageGroup, UsageMetric, UsageTotals } from '../../shared/usage-types.js';
import { HISTOGRAM_COLUMNS, histogramPercentile } from './latency-histogram.js';
import { dailyRollupTable, DAY_HOURS, HOUR_MS, hourExpression, isPostgres, ROLLUP_DIMENSIONS, USAGE_ROLLUP_TABLE, type RollupDimension } from './usage-rollups.js';

/** What reports group and filter by: the rollup dimensions, plus the caller's role (through the users table). */
export const USAGE_DIMENSIONS = [...ROLLUP_DIMENSIONS, 'role'] as const satisfies readonly UsageDimension[];

export interface UsageScope {
	/** Start (inclusive). Rollup reports round it down to the hour. */
	from: Date;
	/** End (exclusive). Rollup reports round it up to the hour. */
	to: Date;
	/** Only rows whose dimension is one of the values (`null` in the list matches missing values). */
	filters?: Partial<Record<UsageDimension, (string | null)[]>>;
}

export interface UsageAnalyticsOptions {
	knex: Knex;
	/** Raw rows. Default: `ml_usage`. */
	table?: string;
	/** Hourly rollups. Default: `ml_usage_rollups`. */
	rollupTable?: string;
	/** Where a user's role is read from, for the `role` dimension. Default: `directus_users.role`; null disables `role`. */
	users?: { table: string; id: string; role: string } | null;
	/**
	 * Ranges up to this long (ms) get exact latency percentiles from the raw rows; longer ones are
	 * read from the rollups' latency histograms (within 19 %, see latency-histogram.ts), which
	 * keeps a 30-day report fast however many calls it covers. Default: 48 hours.
	 */
	exactPercentileMaxMs?: number;
	/** Read whole days from the daily tier. Default: true; false reads hourly rows only (the benchmark's baseline). */
	dailyTier?: boolean;
}

const PERCENTILES = [
	['p50', 0.5],
	['p95', 0.95],
	['p99', 0.99],
] as const;

/**
 * Usage reports in SQL, the same on SQLite and PostgreSQL. Totals, breakdowns and time series
 * read the rollups (whole days from the daily tier, partial days and hourly series from the
 * hourly one; never every call); latency percentiles of short ranges read the raw rows, exactly: `percentile_cont` on PostgreSQL, and
 * the same linear interpolation between ranks (window functions) on SQLite.
 */
export class UsageAnalytics {
	private readonly knex: Knex;
	private readonly table: string;
	private readonly rollups: string;
	private readonly users: { table: string; id: string; role: string } | null;
	private readonly exactPercentileMaxMs: number;
	private readonly dailyTier: boolean;

	constructor(options: UsageAnalyticsOptions) {
		this.dailyTier = options.dailyTier ?? true;
		this.exactPercentileMaxMs = options.exactPercentileMaxMs ?? 48 * HOUR_MS;
		this.knex = options.knex;
		this.table = options.table ?? 'ml_usage';
		this.rollups = options.rollupTable ?? USAGE_ROLLUP_TABLE;
		this.users = options.users === undefined ? { table: 'directus_users', id: 'id', role: 'role' } : options.users;
	}

	/** Totals over the scope. */
	async totals(scope: UsageScope): Promise<UsageTotals> {
		const [row] = await this.rollupQuery(scope, null);
		return toTotals(row ?? {});
	}

	/** Totals per value of one dimension, largest `orderBy` first. */
	async breakdown(scope: UsageScope, groupBy: UsageDimension, options: { orderBy?: UsageMetric; limit?: number } = {}): Promise<UsageGroup[]> {
		const rows = await this.rollupQuery(scope, groupBy);
		const groups = rows.map((r) => ({ group: nullable(r.grp), ...toTotals(r) }));
		const metric = options.orderBy ?? 'calls';
		groups.sort((a, b) => metricOf(b, metric) - metricOf(a, metric) || String(a.group).localeCompare(String(b.group)));
		return options.limit ? groups.slice(0, options.limit) : groups;
	}

	/** Totals per hour or day (UTC), optionally per value of a dimension. Buckets without calls are left out. */
	async timeseries(scope: UsageScope, interval: 'hour' | 'day', groupBy?: UsageDimension | null): Promise<UsageBucket[]> {
		const hours = interval === 'day' ? 24 : 1;
		const rows = await this.rollupQuery(scope, groupBy ?? null, hours);
		return rows
			.map((r) => ({ start: new Date(Number(r.slot) * hours * HOUR_MS).toISOString(), group: groupBy ? nullable(r.grp) : null, ...toTotals(r) }))
			.sort((a, b) => a.start.localeCompare(b.start) || String(a.group).localeCompare(String(b.group)));
	}

	/**
	 * Latency percentiles of provider calls (cache hits excluded), overall or per group and/or
	 * interval: exact from the raw rows for short ranges, from the hourly histograms for long ones
	 * (`method` says which).
	 */
	async latency(scope: UsageScope, options: { groupBy?: UsageDimension | null; interval?: 'hour' | 'day' | null } = {}): Promise<LatencyPercentiles[]> {
		if (scope.to.getTime() - scope.from.getTime() > this.exactPercentileMaxMs) return this.histogramLatency(scope, options);
		const k = this.knex;
		const base = k(`${this.table} as r`)
			.where('r.timestamp', '>=', scope.from)
			.where('r.timestamp', '<', scope.to)
			.where('r.cache_hit', false);
		this.applyFilters(base, scope.filters, 'r');
		const groupExpr = options.groupBy ? this.dimension(base, options.groupBy, 'r') : k.raw('NULL');
		const hours = options.interval === 'day' ? 24 : 1;
		const slotExpr = options.interval ? k.raw(`(?) / ${hours}`, [hourExpression(k, 'r.timestamp')]) : k.raw('0');
		let rows: Record<string, unknown>[];
		if (isPostgres(k)) {
			rows = await base
				.select({ grp: groupExpr, slot: slotExpr })
				.count({ calls: '*' })
				.select(PERCENTILES.map(([name, p]) => k.raw(`percentile_cont(${p}) within group (order by ??) as ${name}`, ['r.latency_ms'])))
				.groupBy(k.raw('1, 2'));
		} else {
			// SQLite has no percentile_cont. Latencies are whole milliseconds with few distinct values,
			// so the database counts each value per group and the exact percentile_cont (the value at
			// rank 1 + p·(n − 1), interpolated between neighbours) is read off the cumulative counts.
			// Far cheaper than ranking every row with window functions.
			const counts = (await base
				.select({ grp: groupExpr, slot: slotExpr, v: 'r.latency_ms' })
				.count({ c: '*' })
				.groupBy('grp', 'slot', 'v')
				.orderBy([{ column: 'grp' }, { column: 'slot' }, { column: 'v' }])) as unknown as { grp: unknown; slot: unknown; v: number | string; c: number | string }[];
			rows = percentilesFromCounts(counts);
		}
		return rows
			.map((r) => ({
				group: options.groupBy ? nullable(r.grp) : null,
				...(options.interval ? { start: new Date(Number(r.slot) * hours * HOUR_MS).toISOString() } : {}),
				calls: Number(r.calls),
				p50: round(Number(r.p50)),
				p95: round(Number(r.p95)),
				p99: round(Number(r.p99)),
				method: 'exact' as const,
			}))
			.sort((a, b) => (a.start ?? '').localeCompare(b.start ?? '') || b.calls - a.calls);
	}

	/** Percentiles interpolated from the merged hourly histograms of the rollups. */
	private async histogramLatency(scope: UsageScope, options: { groupBy?: UsageDimension | null; interval?: 'hour' | 'day' | null }): Promise<LatencyPercentiles[]> {
		const hours = options.interval === 'day' ? 24 : 1;
		const rows = await this.rollupQuery(scope, options.groupBy ?? null, options.interval ? hours : undefined, HISTOGRAM_COLUMNS);
		const out: LatencyPercentiles[] = [];
		for (const r of rows) {
			const counts = HISTOGRAM_COLUMNS.map((c) => Number(r[c] ?? 0));
			const calls = counts.reduce((s, c) => s + c, 0);
			if (calls === 0) continue;
			const [p50, p95, p99] = PERCENTILES.map(([, p]) => round(histogramPercentile(counts, p) ?? 0)) as [number, number, number];
			out.push({
				group: options.groupBy ? nullable(r.grp) : null,
				...(options.interval ? { start: new Date(Number(r.slot) * hours * HOUR_MS).toISOString() } : {}),
				calls,
				p50,
				p95,
				p99,
				method: 'histogram',
			});
		}
		return out.sort((a, b) => (a.start ?? '').localeCompare(b.start ?? '') || b.calls - a.calls);
	}

	/**
	 * Sums rollup rows over the scope, per group and/or slot. Whole UTC days are read from the
	 * daily tier (30 days: a few thousand rows whatever the traffic) and the partial days at either
	 * end from the hourly rows, unless the report is per hour; the parts are added up, so the answer
	 * is the same as from the hourly rows alone.
	 */
	private async rollupQuery(scope: UsageScope, groupBy: UsageDimension | null, slotHours?: number, histogram?: readonly string[]): Promise<Record<string, unknown>[]> {
		const fromHour = Math.floor(scope.from.getTime() / HOUR_MS);
		const toHour = Math.ceil(scope.to.getTime() / HOUR_MS);
		const firstDay = Math.ceil(fromHour / DAY_HOURS);
		const endDay = Math.floor(toHour / DAY_HOURS);
		if (!this.dailyTier || slotHours === 1 || endDay <= firstDay) return this.tierQuery(this.rollups, 1, fromHour, toHour, scope, groupBy, slotHours, histogram);
		const parts = [this.tierQuery(dailyRollupTable(this.rollups), DAY_HOURS, firstDay, endDay, scope, groupBy, slotHours, histogram)];
		if (fromHour < firstDay * DAY_HOURS) parts.push(this.tierQuery(this.rollups, 1, fromHour, firstDay * DAY_HOURS, scope, groupBy, slotHours, histogram));
		if (endDay * DAY_HOURS < toHour) parts.push(this.tierQuery(this.rollups, 1, endDay * DAY_HOURS, toHour, scope, groupBy, slotHours, histogram));
		const results = await Promise.all(parts);
		return results.length === 1 ? results[0]! : mergeParts(results);
	}

	/** One tier's sums over buckets `[from, to)`; `bucketHours` is how many hours a bucket of `table` spans. */
	private tierQuery(table: string, bucketHours: number, from: number, to: number, scope: UsageScope, groupBy: UsageDimension | null, slotHours?: number, histogram?: readonly string[]): Knex.QueryBuilder {
		const k = this.knex;
		const q = k(`${table} as r`).where('r.bucket', '>=', from).where('r.bucket', '<', to);
		this.applyFilters(q, scope.filters, 'r');
		const groups: Knex.Raw[] = [];
		if (groupBy) {
			const expr = this.dimension(q, groupBy, 'r');
			void q.select({ grp: expr });
			groups.push(expr);
		}
		if (slotHours) {
			const per = slotHours / bucketHours;
			const slot = k.raw(per === 1 ? '??' : `?? / ${per}`, ['r.bucket']);
			void q.select({ slot });
			groups.push(slot);
		}
		if (histogram) void q.sum(Object.fromEntries(histogram.map((c) => [c, `r.${c}`])));
		else {
			void q
				.sum({ calls: 'r.calls', input_tokens: 'r.input_tokens', output_tokens: 'r.output_tokens', cost: 'r.cost', latency_ms: 'r.latency_ms', cache_hits: 'r.cache_hits' })
				.select(k.raw(`sum(CASE WHEN ?? = 'error' THEN ?? ELSE 0 END) AS errors`, ['r.status', 'r.calls']));
		}
		if (groups.length > 0) void q.groupBy(groups);
		return q;
	}

	/** The SQL for a dimension, joining the users table for `role`. */
	private dimension(q: Knex.QueryBuilder, dim: UsageDimension, alias: string): Knex.Raw {
		if (dim !== 'role') return this.knex.raw('??', [`${alias}.${dim}`]);
		if (!this.users) throw new Error('The role dimension needs a users table.');
		this.joinUsers(q, alias);
		return this.knex.raw('??', [`u.${this.users.role}`]);
	}

	private joined = new WeakSet<Knex.QueryBuilder>();

	private joinUsers(q: Knex.QueryBuilder, alias: string): void {
		if (!this.users || this.joined.has(q)) return;
		this.joined.add(q);
		void q.leftJoin(`${this.users.table} as u`, `u.${this.users.id}`, `${alias}.user`);
	}

	private applyFilters(q: Knex.QueryBuilder, filters: UsageScope['filters'], alias: string): void {
		for (const dim of USAGE_DIMENSIONS) {
			const values = filters?.[dim];
			if (!values || values.length === 0) continue;
			const column = dim === 'role' ? this.dimension(q, 'role', alias) : this.knex.raw('??', [`${alias}.${dim}`]);
			const present = values.filter((v): v is string => v !== null);
			const wantsNull = values.includes(null);
			void q.where((w) => {
				if (present.length > 0) void w.orWhereIn(column as unknown as string, present);
				if (wantsNull) void w.orWhereNull(column as unknown as string);
			});
		}
	}
}

/** Adds up the rows of several tier queries that share a group and slot. */
function mergeParts(parts: Record<string, unknown>[][]): Record<string, unknown>[] {
	const merged = new Map<string, Record<string, unknown>>();
	for (const rows of parts) {
		for (const row of rows) {
			const id = JSON.stringify([row.grp ?? null, row.slot === undefined ? null : Number(row.slot)]);
			const into = merged.get(id);
			if (!into) {
				merged.set(id, { ...row });
				continue;
			}
			for (const [column, value] of Object.entries(row)) if (column !== 'grp' && column !== 'slot') into[column] = Number(into[column] ?? 0) + Number(value ?? 0);
		}
	}
	return [...merged.values()];
}

/** percentile_cont from (value, count) rows sorted by group, slot and value. */
function percentilesFromCounts(counts: { grp: unknown; slot: unknown; v: number | string; c: number | string }[]): Record<string, unknown>[] {
	const out: Record<string, unknown>[] = [];
	let i = 0;
	while (i < counts.length) {
		const first = counts[i]!;
		let j = i;
		let n = 0;
		while (j < counts.length && counts[j]!.grp === first.grp && counts[j]!.slot === first.slot) n += Number(counts[j++]!.c);
		const values = counts.slice(i, j);
		/** The value at 0-based rank `rank` of the group's sorted latencies. */
		const at = (rank: number): number => {
			let seen = 0;
			for (const row of values) {
				seen += Number(row.c);
				if (rank < seen) return Number(row.v);
			}
			return Number(values[values.length - 1]!.v);
		};
		const row: Record<string, unknown> = { grp: first.grp, slot: first.slot, calls: n };
		for (const [name, p] of PERCENTILES) {
			const pos = p * (n - 1);
			const lo = Math.floor(pos);
			const low = at(lo);
			row[name] = low + (pos - lo) * (at(Math.min(n - 1, lo + 1)) - low);
		}
		out.push(row);
		i = j;
	}
	return out;
}

function nullable(v: unknown): string | null {
	return v === null || v === undefined ? null : String(v);
}

function round(v: number): number {
	return Math.round(v * 1000) / 1000;
}

function toTotals(r: Record<string, unknown>): UsageTotals {
	const calls = Number(r.calls ?? 0);
	const errors = Number(r.errors ?? 0);
	const cacheHits = Number(r.cache_hits ?? 0);
	return {
		calls,
		inputTokens: Number(r.input_tokens ?? 0),
		outputTokens: Number(r.output_tokens ?? 0),
		cost: Math.round(Number(r.cost ?? 0) * 1e9) / 1e9,
		errors,
		cacheHits,
		avgLatencyMs: calls > 0 ? round(Number(r.latency_ms ?? 0) / calls) : 0,
		errorRate: calls > 0 ? errors / calls : 0,
		cacheHitRate: calls > 0 ? cacheHits / calls : 0,
	};
}

function metricOf(g: UsageTotals, metric: UsageMetric): number {
	switch (metric) {
		case 'calls':
			return g.calls;
		case 'cost':
			return g.cost;
		case 'tokens':
			return g.inputTokens + g.outputTokens;
		case 'input_tokens':
			return g.inputTokens;
		case 'output_tokens':
			return g.outputTokens;
		case 'errors':
			return g.errors;
		case 'avg_latency':
			return g.avgLatencyMs;
	}
}

export type { LatencyPercentiles, RollupDimension, UsageBucket, UsageDimension, UsageGroup, UsageMetric, UsageTotals };
