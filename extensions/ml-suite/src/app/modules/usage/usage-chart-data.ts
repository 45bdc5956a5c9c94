import type { QueueDepthPoint } from '../../../shared/queue-types.js';
import type { LatencyPercentiles, UsageBucket, UsageDimension } from '../../../shared/usage-types.js';

export type RangePreset = '1h' | '24h' | '7d' | '30d';
/** What the time range picker offers: a preset, or `custom` (from/to chosen by the user). */
export type RangeChoice = RangePreset | 'custom';

const HOUR = 3_600_000;
const DAY = 86_400_000;
/** The longest range `/ml/usage` reports on (it answers 400 beyond). */
export const MAX_CUSTOM_RANGE_DAYS = 366;

/** Hourly buckets up to two days, daily beyond (as the API chooses when no interval is given). */
export function intervalFor(from: number, to: number): 'hour' | 'day' {
	return to - from <= 2 * DAY ? 'hour' : 'day';
}

/** A `datetime-local` input value (`2026-01-31T09:30`, the browser's time zone) for a time. */
export function toLocalInput(at: Date): string {
	const p = (n: number): string => String(n).padStart(2, '0');
	return `${at.getFullYear()}-${p(at.getMonth() + 1)}-${p(at.getDate())}T${p(at.getHours())}:${p(at.getMinutes())}`;
}

/**
 * A custom range from two `datetime-local` values (local time) as ISO instants, or why it cannot
 * be reported on: a value missing or unreadable, `from` not before `to`, or longer than the API allows.
 */
export function customRange(from: string, to: string): { from: string; to: string } | { problem: 'missing' | 'order' | 'too_long' } {
	const a = from ? new Date(from).getTime() : Number.NaN;
	const b = to ? new Date(to).getTime() : Number.NaN;
	if (!Number.isFinite(a) || !Number.isFinite(b)) return { problem: 'missing' };
	if (a >= b) return { problem: 'order' };
	if (b - a > MAX_CUSTOM_RANGE_DAYS * DAY) return { problem: 'too_long' };
	return { from: new Date(a).toISOString(), to: new Date(b).toISOString() };
}

export interface Point {
	x: number;
	y: number;
}

export interface Series {
	name: string;
	data: Point[];
}

/** How many groups get a series of their own in stacked charts; the rest are summed as "other". */
export const MAX_SERIES = 6;

/** A bucket's length in ms. */
export function stepOf(interval: 'hour' | 'day'): number {
	return interval === 'day' ? DAY : HOUR;
}

/** Every bucket start of the range, so a chart shows quiet hours as zero instead of joining the dots across them. */
export function slots(from: string, to: string, interval: 'hour' | 'day'): number[] {
	const step = stepOf(interval);
	const start = Math.floor(Date.parse(from) / step) * step;
	const out: number[] = [];
	for (let t = start; t < Date.parse(to) && out.length < 10_000; t += step) out.push(t);
	return out;
}

/**
 * One series per group (the `MAX_SERIES - 1` largest by the metric, then "other"), zero-filled
 * over the range; ungrouped buckets give one series named `total`.
 */
export function groupedSeries(buckets: UsageBucket[], all: number[], metric: (b: UsageBucket) => number, labels: { total: string; other: string; none: string }): Series[] {
	const byGroup = new Map<string | null, Map<number, number>>();
	const size = new Map<string | null, number>();
	for (const b of buckets) {
		const at = Date.parse(b.start);
		const values = byGroup.get(b.group) ?? new Map<number, number>();
		values.set(at, (values.get(at) ?? 0) + metric(b));
		byGroup.set(b.group, values);
		size.set(b.group, (size.get(b.group) ?? 0) + metric(b));
	}
	const ranked = [...size.entries()].sort((a, b) => b[1] - a[1]).map(([g]) => g);
	const kept = ranked.length > MAX_SERIES ? ranked.slice(0, MAX_SERIES - 1) : ranked;
	const rest = ranked.filter((g) => !kept.includes(g));
	const series = kept.map((g) => ({
		name: byGroup.size === 1 && g === null ? labels.total : g === null ? labels.none : g,
		data: all.map((x) => ({ x, y: byGroup.get(g)?.get(x) ?? 0 })),
	}));
	if (rest.length > 0) series.push({ name: labels.other, data: all.map((x) => ({ x, y: rest.reduce((s, g) => s + (byGroup.get(g)?.get(x) ?? 0), 0) })) });
	return series;
}

/** Rates per bucket over all groups (errors / calls, cache hits / calls), in percent; buckets without calls are gaps. */
export function rateSeries(buckets: UsageBucket[], all: number[]): { errorRate: (Point | { x: number; y: null })[]; cacheHitRate: (Point | { x: number; y: null })[] } {
	const sums = new Map<number, { calls: number; errors: number; hits: number }>();
	for (const b of buckets) {
		const at = Date.parse(b.start);
		const s = sums.get(at) ?? { calls: 0, errors: 0, hits: 0 };
		s.calls += b.calls;
		s.errors += b.errors;
		s.hits += b.cacheHits;
		sums.set(at, s);
	}
	const rate = (x: number, pick: (s: { calls: number; errors: number; hits: number }) => number): Point | { x: number; y: null } => {
		const s = sums.get(x);
		return s && s.calls > 0 ? { x, y: Math.round((pick(s) / s.calls) * 10_000) / 100 } : { x, y: null };
	};
	return { errorRate: all.map((x) => rate(x, (s) => s.errors)), cacheHitRate: all.map((x) => rate(x, (s) => s.hits)) };
}

/** p50/p95/p99 series from per-interval percentiles; intervals without measured calls are gaps. */
export function latencySeries(rows: LatencyPercentiles[], all: number[]): Record<'p50' | 'p95' | 'p99', (Point | { x: number; y: null })[]> {
	const at = new Map(rows.filter((r) => r.start).map((r) => [Date.parse(r.start!), r]));
	const pick = (p: 'p50' | 'p95' | 'p99'): (Point | { x: number; y: null })[] => all.map((x) => ({ x, y: at.get(x)?.[p] ?? null }));
	return { p50: pick('p50'), p95: pick('p95'), p99: pick('p99') };
}

/**
 * One line per queue that was sampled in the range: the deepest it was in each bucket, a gap
 * where it was not sampled (before sampling started, or past the samples' retention). Queues in
 * name order, so their colours stay put from one load to the next.
 */
export function depthSeries(points: readonly QueueDepthPoint[], all: readonly number[]): { name: string; data: (Point | { x: number; y: null })[] }[] {
	const byQueue = new Map<string, Map<number, number>>();
	for (const p of points) {
		const values = byQueue.get(p.queue) ?? new Map<number, number>();
		values.set(Date.parse(p.at), p.depth);
		byQueue.set(p.queue, values);
	}
	return [...byQueue.keys()].sort().map((name) => ({ name, data: all.map((x) => ({ x, y: byQueue.get(name)?.get(x) ?? null })) }));
}

/**
 * The Directus filter selecting the `ml_usage` rows behind one report row: its group value in
 * the range, plus the report's filters. `role` has no `ml_usage` column: it filters through the user.
 */
export function drillDownFilter(range: { from: string; to: string }, filters: Partial<Record<UsageDimension, (string | null)[]>>, group?: { by: UsageDimension; value: string | null }): Record<string, unknown> {
	const and: Record<string, unknown>[] = [{ timestamp: { _gte: range.from } }, { timestamp: { _lt: range.to } }];
	const clause = (dim: UsageDimension, values: (string | null)[]): Record<string, unknown> => {
		const field = (inner: Record<string, unknown>): Record<string, unknown> => (dim === 'role' ? { user: { role: inner } } : { [dim]: inner });
		const present = values.filter((v): v is string => v !== null);
		const parts = [...(present.length > 0 ? [field({ _in: present })] : []), ...(values.includes(null) ? [field({ _null: true })] : [])];
		return parts.length === 1 ? parts[0]! : { _or: parts };
	};
	for (const [dim, values] of Object.entries(filters) as [UsageDimension, (string | null)[]][]) if (values.length > 0) and.push(clause(dim, values));
	if (group) and.push(clause(group.by, [group.value]));
	return { _and: and };
}
