import type { Accountability } from '@directus/types';
import type { Router } from 'express';
import { z } from 'zod';
import { InvalidPayloadError } from '../../core/errors.js';
import { USAGE_DIMENSIONS, type UsageDimension, type UsageScope } from '../../core/usage/usage-analytics.js';
import { pruneUsage, recomputeCosts } from '../../core/usage/usage-maintenance.js';
import type { Container } from '../container.js';
import { route } from '../http.js';

/**
 * Usage reports (`/ml/usage/*`). Administrators see every call; anyone else sees only their own
 * (the `user` filter is forced to the caller). Totals, breakdowns and time series come from the
 * hourly rollups; latency percentiles from the raw rows still kept (ML_USAGE_RETENTION_DAYS).
 */

const RANGES = { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 } as const;
const MAX_RANGE_MS = 366 * 86_400_000;
const METRICS = ['calls', 'cost', 'tokens', 'input_tokens', 'output_tokens', 'errors', 'avg_latency'] as const;

const isoDate = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time, e.g. 2026-01-31T00:00:00Z' });
/** `a,b,null`: values of a dimension; `null` matches calls without one (system work, no collection). */
const valueList = z
	.string()
	.max(2000)
	.transform((s) =>
		s
			.split(',')
			.map((v) => v.trim())
			.filter((v) => v.length > 0)
			.map((v) => (v === 'null' ? null : v)),
	);

const filterShape = Object.fromEntries(USAGE_DIMENSIONS.map((d) => [d, valueList.optional()])) as Record<UsageDimension, z.ZodOptional<typeof valueList>>;

export const UsageScopeQuery = z
	.object({
		range: z.enum(Object.keys(RANGES) as [keyof typeof RANGES, ...(keyof typeof RANGES)[]]).optional(),
		from: isoDate.optional(),
		to: isoDate.optional(),
		...filterShape,
	})
	.refine((q) => !(q.range && q.from), { message: 'give either range or from/to, not both', path: ['range'] });

export const TimeseriesQuery = UsageScopeQuery.and(z.object({ interval: z.enum(['hour', 'day']).optional(), group_by: z.enum(USAGE_DIMENSIONS).optional() }));
export const BreakdownQuery = UsageScopeQuery.and(
	z.object({
		group_by: z.enum(USAGE_DIMENSIONS),
		order_by: z.enum(METRICS).default('calls'),
		limit: z.coerce.number().int('must be an integer').min(1).max(1000).default(100),
		format: z.enum(['json', 'csv']).default('json'),
	}),
);
export const LatencyQuery = UsageScopeQuery.and(z.object({ interval: z.enum(['hour', 'day']).optional(), group_by: z.enum(USAGE_DIMENSIONS).optional() }));

export const RecomputeCostBody = z.object({
	from: isoDate.optional(),
	to: isoDate.optional(),
	/** Only calls of this model id (`ml_models.model_id`). */
	model: z.string().min(1).max(255).optional(),
});

type ScopeInput = z.infer<typeof UsageScopeQuery>;

/** The report's time range and filters; a non-admin's `user` filter is always themselves. */
export function toScope(q: ScopeInput, accountability: Accountability, now = new Date()): UsageScope {
	const to = q.to ? new Date(q.to) : now;
	const from = q.from ? new Date(q.from) : new Date(to.getTime() - RANGES[q.range ?? '24h']);
	if (from.getTime() >= to.getTime()) throw new InvalidPayloadError('"from" must be before "to".', { field: 'from' });
	if (to.getTime() - from.getTime() > MAX_RANGE_MS) throw new InvalidPayloadError('The range may span at most 366 days.', { field: 'from' });
	const filters: NonNullable<UsageScope['filters']> = {};
	for (const dim of USAGE_DIMENSIONS) {
		const values = q[dim];
		if (values && values.length > 0) filters[dim] = values;
	}
	if (accountability.admin !== true) filters.user = [accountability.user ?? '00000000-0000-0000-0000-000000000000'];
	return { from, to, filters };
}

function defaultInterval(scope: UsageScope): 'hour' | 'day' {
	return scope.to.getTime() - scope.from.getTime() <= 2 * 86_400_000 ? 'hour' : 'day';
}

const CSV_COLUMNS = ['group', 'calls', 'inputTokens', 'outputTokens', 'cost', 'errors', 'errorRate', 'cacheHits', 'cacheHitRate', 'avgLatencyMs'] as const;

/** RFC 4180 quoting; cells that a spreadsheet would run as a formula are prefixed with `'`. */
function csvCell(value: unknown): string {
	let s = value === null || value === undefined ? '' : String(value);
	if (/^[=+\-@\t\r]/.test(s) && typeof value === 'string') s = `'${s}`;
	return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function registerUsageRoutes(router: Router, getContainer: () => Promise<Container>): void {
	route(router, 'get', '/usage/summary', { access: 'user', query: UsageScopeQuery, summary: 'Usage totals and latency percentiles for a time range (non-admins: their own calls)' }, async (req, container) => {
		const scope = toScope(req.query, req.accountability);
		const [totals, latency] = await Promise.all([container.usageAnalytics.totals(scope), container.usageAnalytics.latency(scope)]);
		return { from: scope.from.toISOString(), to: scope.to.toISOString(), scope: req.accountability.admin ? 'all' : 'own', totals, latency: latency[0] ?? { calls: 0, p50: null, p95: null, p99: null } };
	}, getContainer);

	route(router, 'get', '/usage/timeseries', { access: 'user', query: TimeseriesQuery, summary: 'Usage per hour or day, optionally per dimension' }, async (req, container) => {
		const scope = toScope(req.query, req.accountability);
		const interval = req.query.interval ?? defaultInterval(scope);
		return { from: scope.from.toISOString(), to: scope.to.toISOString(), interval, groupBy: req.query.group_by ?? null, buckets: await container.usageAnalytics.timeseries(scope, interval, req.query.group_by ?? null) };
	}, getContainer);

	route(router, 'get', '/usage/breakdown', { access: 'user', query: BreakdownQuery, summary: 'Usage per model, user, role, collection, source, … (top N); format=csv for a CSV file' }, async (req, container, res) => {
		const scope = toScope(req.query, req.accountability);
		const groups = await container.usageAnalytics.breakdown(scope, req.query.group_by, { orderBy: req.query.order_by, limit: req.query.limit });
		if (req.query.format === 'csv') {
			const lines = [CSV_COLUMNS.map((c) => (c === 'group' ? req.query.group_by : c)).join(','), ...groups.map((g) => CSV_COLUMNS.map((c) => csvCell(g[c])).join(','))];
			res
				.status(200)
				.type('text/csv; charset=utf-8')
				.attachment(`ml-usage-by-${req.query.group_by}-${scope.from.toISOString().slice(0, 10)}-${scope.to.toISOString().slice(0, 10)}.csv`)
				.send(`${lines.join('\r\n')}\r\n`);
			return undefined;
		}
		return { from: scope.from.toISOString(), to: scope.to.toISOString(), groupBy: req.query.group_by, orderBy: req.query.order_by, groups };
	}, getContainer);

	route(router, 'get', '/usage/latency', { access: 'user', query: LatencyQuery, summary: 'Exact latency percentiles (p50, p95, p99) of provider calls, from raw usage rows' }, async (req, container) => {
		const scope = toScope(req.query, req.accountability);
		const interval = req.query.interval ?? null;
		return { from: scope.from.toISOString(), to: scope.to.toISOString(), interval, groupBy: req.query.group_by ?? null, percentiles: await container.usageAnalytics.latency(scope, { groupBy: req.query.group_by ?? null, interval }) };
	}, getContainer);

	route(router, 'post', '/usage/recompute-cost', { access: 'admin', body: RecomputeCostBody, summary: 'Recompute ml_usage.cost from the current ml_models prices (and the rollups of those hours)' }, async (req, container) => {
		await container.usage.flush();
		const from = req.body.from ? new Date(req.body.from) : undefined;
		const to = req.body.to ? new Date(req.body.to) : undefined;
		if (from && to && from >= to) throw new InvalidPayloadError('"from" must be before "to".', { field: 'from' });
		return recomputeCosts(container.host.database, { from, to, model: req.body.model });
	}, getContainer);

	route(router, 'post', '/usage/prune', { access: 'admin', summary: 'Delete raw usage rows older than ML_USAGE_RETENTION_DAYS now (rollups are kept)' }, async (_req, container) => {
		const days = container.config.ML_USAGE_RETENTION_DAYS;
		if (days <= 0) throw new InvalidPayloadError('ML_USAGE_RETENTION_DAYS is 0: raw usage rows are kept forever, nothing to prune.', { field: 'ML_USAGE_RETENTION_DAYS' });
		const before = new Date(Date.now() - days * 86_400_000);
		const deleted = await pruneUsage(container.host.database, before);
		return { deleted, retentionDays: days };
	}, getContainer);
}
