import type { Router } from 'express';
import { z } from 'zod';
import { InvalidPayloadError, MlError } from '../../core/errors.js';
import type { IndexDefinition } from '../../core/indexing/index-definition.js';
import { MAX_QUEUE_DEPTH_BUCKETS, QUEUE_DEPTH_STEP_MS } from '../../core/jobs/queue-depth-history.js';
import { QUEUE_NAMES } from '../../core/jobs/types.js';
import type { JobItemRef, JobSummary, LinkedItem, QueueDepthReport } from '../../shared/queue-types.js';
import type { Container } from '../container.js';
import { route } from '../http.js';

/**
 * The Queue monitor's API (admin only): thin glue over `QueueAdmin`, which validates queue
 * names, states and pages itself. Job items are resolved to their real collection so the
 * app can link to them.
 */

const LIST_STATES = ['waiting', 'active', 'delayed', 'completed', 'failed'] as const;
const CLEANABLE_STATES = ['completed', 'failed', 'waiting', 'delayed'] as const;
const PRIORITIES = ['high', 'normal', 'low'] as const;
const MAX_DELAY_MS = 30 * 24 * 3600 * 1000;

const pageNumber = z.coerce.number().int('must be an integer').min(0, 'must be 0 or more');

export const ThroughputQuery = z.object({
	minutes: z.coerce.number().int('must be an integer').min(1).max(1440).default(60),
	queue: z.string().min(1).optional(),
});

const isoDate = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time, e.g. 2026-01-31T00:00:00Z' });

export const QueueDepthQuery = z
	.object({
		from: isoDate,
		to: isoDate.optional(),
		interval: z.enum(['minute', 'hour', 'day']).default('hour'),
		queue: z.enum(QUEUE_NAMES).optional(),
	})
	.transform((q, ctx) => {
		const from = new Date(q.from);
		const to = q.to ? new Date(q.to) : new Date();
		if (from.getTime() >= to.getTime()) ctx.addIssue({ code: 'custom', path: ['from'], message: 'must be before "to"' });
		else if ((to.getTime() - from.getTime()) / QUEUE_DEPTH_STEP_MS[q.interval] > MAX_QUEUE_DEPTH_BUCKETS) ctx.addIssue({ code: 'custom', path: ['interval'], message: `too fine for the range: at most ${MAX_QUEUE_DEPTH_BUCKETS} buckets` });
		return { from, to, interval: q.interval, queue: q.queue };
	});

export const ListJobsQuery = z.object({
	state: z.enum(LIST_STATES).default('waiting'),
	start: pageNumber.default(0),
	end: pageNumber.optional(),
	search: z.string().max(200, 'must be at most 200 characters').optional(),
});

export const PageQuery = z.object({ start: pageNumber.default(0), end: pageNumber.optional() });

export const QueueFilterQuery = z.object({ queue: z.string().min(1).optional() });

export const CleanBody = z.object({
	state: z.enum(CLEANABLE_STATES),
	/** Only jobs older than this; 0 removes all of the state. */
	olderThanMs: z.number().int('must be an integer').min(0, 'must be 0 or more').default(0),
	limit: z.number().int('must be an integer').min(1).max(100_000).optional(),
});

export const EnqueueJobBody = z.object({
	name: z.string().trim().min(1, 'must not be empty'),
	data: z.unknown(),
	priority: z.enum(PRIORITIES).optional(),
	delayMs: z.number().int('must be an integer').min(0, 'must be 0 or more').max(MAX_DELAY_MS, 'must be at most 30 days').optional(),
});

/** The admin-app link of an item (the app is served under /admin). */
export function itemLink(collection: string, item: string): string {
	return `/admin/content/${encodeURIComponent(collection)}/${encodeURIComponent(item)}`;
}

/** Resolves `index:<id>` references (indexing jobs) to the index's collection; plain references pass through. */
export async function linkItem(ref: JobItemRef | null, byId: (id: string) => Promise<IndexDefinition | null>): Promise<LinkedItem | null> {
	if (!ref) return null;
	if (!ref.collection.startsWith('index:')) return { collection: ref.collection, item: ref.item, index: null, link: itemLink(ref.collection, ref.item) };
	const index = await byId(ref.collection.slice('index:'.length));
	// The index was deleted since the job ran: keep the reference, but there is nothing to link to.
	if (!index) return { collection: ref.collection, item: ref.item, index: null, link: null };
	return { collection: index.collection, item: ref.item, index: index.name, link: itemLink(index.collection, ref.item) };
}

async function withLink<T extends { item: JobItemRef | null }>(container: Container, value: T): Promise<T & { linked: LinkedItem | null }> {
	return { ...value, linked: await linkItem(value.item, (id) => container.indexes.byId(id)) };
}

/**
 * Payload problems come back relative to the job data; the HTTP caller sent them under `data`,
 * so their field paths are rewritten to say so.
 */
function underData(error: unknown): unknown {
	if (!(error instanceof InvalidPayloadError) || !Array.isArray(error.details?.['problems']) || error.details?.['job'] === undefined) return error;
	const problems = (error.details['problems'] as { field: string; message: string }[]).map((p) => ({ ...p, field: `data.${p.field}`.replace(/^data\.data$/, 'data') }));
	const summary = problems.map((p) => `"${p.field}": ${p.message}`).join('; ');
	return new MlError(`Invalid payload for job "${String(error.details['job'])}": ${summary}`, {
		code: error.code,
		status: error.status,
		cause: error,
		details: { ...error.details, problems },
	});
}

export function registerQueueRoutes(router: Router, getContainer: () => Promise<Container>): void {
	const admin = { access: 'admin' } as const;

	route(router, 'get', '/queues', { ...admin, summary: 'Queues: counts by state, paused, backend' }, async (_req, c) => ({ data: await c.queueWiring.admin.listQueues() }), getContainer);

	route(router, 'get', '/queues/throughput', { ...admin, query: ThroughputQuery, summary: 'Completed/failed jobs per minute' }, async (req, c) => {
		return { data: await c.queueWiring.admin.throughput({ queue: req.query.queue, minutes: req.query.minutes }) };
	}, getContainer);

	// Before /queues/:queue, which would take "depth" for a queue name.
	route(router, 'get', '/queues/depth', { ...admin, query: QueueDepthQuery, summary: 'Deepest each queue was per bucket of a range (periodic samples)' }, async (req, c): Promise<{ data: QueueDepthReport }> => {
		const { from, to, interval, queue } = req.query;
		const points = await c.queueWiring.depth.range({ from, to, interval, queue });
		return { data: { from: from.toISOString(), to: to.toISOString(), interval, sampleSeconds: c.config.ML_QUEUE_DEPTH_SAMPLE_SECONDS, retentionDays: c.config.ML_QUEUE_DEPTH_RETENTION_DAYS, points } };
	}, getContainer);

	route(router, 'get', '/queues/:queue', { ...admin, summary: 'One queue: counts and paused' }, async (req, c) => ({ data: await c.queueWiring.admin.getQueue(req.params.queue ?? '') }), getContainer);

	route(router, 'get', '/queues/:queue/jobs', { ...admin, query: ListJobsQuery, summary: 'Jobs of a state, paged, with text search' }, async (req, c) => {
		const page = await c.queueWiring.admin.listJobs({ queue: req.params.queue ?? '', ...req.query });
		const jobs = await Promise.all(page.jobs.map((job: JobSummary) => withLink(c, job)));
		return { data: { ...page, jobs } };
	}, getContainer);

	route(router, 'get', '/queues/:queue/jobs/:id', { ...admin, summary: 'Job detail: payload, options, progress, logs, attempts, stack, linked item' }, async (req, c) => {
		return { data: await withLink(c, await c.queueWiring.admin.getJob(req.params.queue ?? '', req.params.id ?? '')) };
	}, getContainer);

	route(router, 'post', '/queues/:queue/jobs/:id/retry', { ...admin, summary: 'Retry a failed job' }, async (req, c) => {
		return { data: await withLink(c, await c.queueWiring.admin.retryJob(req.params.queue ?? '', req.params.id ?? '')) };
	}, getContainer);

	route(router, 'post', '/queues/:queue/jobs/:id/promote', { ...admin, summary: 'Run a delayed job now' }, async (req, c) => {
		return { data: await withLink(c, await c.queueWiring.admin.promoteJob(req.params.queue ?? '', req.params.id ?? '')) };
	}, getContainer);

	route(router, 'delete', '/queues/:queue/jobs/:id', { ...admin, status: 204, summary: 'Remove a job that is not active' }, async (req, c, res) => {
		await c.queueWiring.admin.removeJob(req.params.queue ?? '', req.params.id ?? '');
		res.status(204).end();
		return undefined;
	}, getContainer);

	route(router, 'post', '/queues/:queue/retry-failed', { ...admin, summary: 'Retry every failed job of a queue' }, async (req, c) => ({ data: await c.queueWiring.admin.retryAllFailed(req.params.queue ?? '') }), getContainer);

	route(router, 'post', '/queues/:queue/pause', { ...admin, summary: 'Pause a queue (workers stop taking its jobs)' }, async (req, c) => ({ data: await c.queueWiring.admin.pauseQueue(req.params.queue ?? '') }), getContainer);

	route(router, 'post', '/queues/:queue/resume', { ...admin, summary: 'Resume a paused queue' }, async (req, c) => ({ data: await c.queueWiring.admin.resumeQueue(req.params.queue ?? '') }), getContainer);

	route(router, 'post', '/queues/:queue/clean', { ...admin, body: CleanBody, summary: 'Remove jobs of a state older than olderThanMs' }, async (req, c) => {
		return { data: await c.queueWiring.admin.cleanQueue({ queue: req.params.queue ?? '', ...req.body }) };
	}, getContainer);

	route(router, 'get', '/dead-letter', { ...admin, query: PageQuery, summary: 'Jobs that used up their attempts, with item links' }, async (req, c) => {
		const page = await c.queueWiring.admin.listDeadLetters(req.query);
		return { data: { ...page, entries: await Promise.all(page.entries.map((entry) => withLink(c, entry))) } };
	}, getContainer);

	route(router, 'post', '/dead-letter/:id/requeue', { ...admin, summary: 'Enqueue a dead job again with fresh attempts' }, async (req, c) => ({ data: await c.queueWiring.admin.requeueDeadLetter(req.params.id ?? '') }), getContainer);

	route(router, 'delete', '/dead-letter/:id', { ...admin, status: 204, summary: 'Drop a dead-letter entry' }, async (req, c, res) => {
		await c.queueWiring.admin.removeDeadLetter(req.params.id ?? '');
		res.status(204).end();
		return undefined;
	}, getContainer);

	route(router, 'get', '/workers', { ...admin, query: QueueFilterQuery, summary: 'Connected workers' }, async (req, c) => ({ data: await c.queueWiring.admin.listWorkers(req.query.queue) }), getContainer);

	route(router, 'get', '/schedulers', { ...admin, query: QueueFilterQuery, summary: 'Repeatable (cron) jobs' }, async (req, c) => ({ data: await c.queueWiring.admin.listSchedulers(req.query.queue) }), getContainer);

	route(router, 'delete', '/queues/:queue/schedulers/:key', { ...admin, status: 204, summary: 'Remove a repeatable job' }, async (req, c, res) => {
		await c.queueWiring.admin.removeScheduler(req.params.queue ?? '', req.params.key ?? '');
		res.status(204).end();
		return undefined;
	}, getContainer);

	route(router, 'post', '/jobs', { ...admin, body: EnqueueJobBody, status: 201, summary: 'Enqueue any registered job' }, async (req, c) => {
		try {
			const job = await c.queue.enqueue(req.body.name, req.body.data, { priority: req.body.priority, delayMs: req.body.delayMs });
			return { data: job };
		} catch (error) {
			throw underData(error);
		}
	}, getContainer);
}
