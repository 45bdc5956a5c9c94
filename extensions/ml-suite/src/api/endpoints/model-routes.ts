import type { Router } from 'express';
import { z } from 'zod';
import { FEATURE_KINDS, type TrainingSpec } from '../../core/classifiers/types.js';
import { InvalidPayloadError, NotFoundError } from '../../core/errors.js';
import { recentUsage, usageSince } from '../../core/models/model-overview.js';
import { testModel } from '../../core/models/model-tester.js';
import type { ModelDefinition } from '../../core/providers/types.js';
import type { ModelListEntry } from '../../shared/model-types.js';
import type { Container } from '../container.js';
import { route, type MlRequest } from '../http.js';

const identifier = z.string().trim().min(1, 'must not be empty').max(64);

export const TrainBody = z.object({
	collection: identifier,
	textFields: z.array(identifier, { error: 'must be a list of field names' }).min(1, 'must name at least one field').max(20),
	labelField: identifier,
	filter: z.record(z.string(), z.unknown()).nullable().optional(),
	features: z.enum(FEATURE_KINDS, { error: `must be one of: ${FEATURE_KINDS.join(', ')}` }).default('tfidf'),
	testRatio: z.number().min(0.05, 'must be at least 0.05').max(0.5, 'must be at most 0.5').default(0.2),
	minExamplesPerClass: z.number().int().min(2, 'must be at least 2 (one to learn from, one to test)').max(10_000).default(3),
	epochs: z.number().int().min(1).max(200).default(30),
	retrainAfterNewLabels: z.number({ error: 'must be a number of labels (or null)' }).int('must be a whole number').min(1, 'must be at least 1').max(1_000_000).nullable().default(null),
});
export const EvaluateBody = z.object({ version: z.number().int().min(1).optional(), filter: z.record(z.string(), z.unknown()).nullable().optional() });
const VersionParam = z.coerce.number({ error: 'must be a version number' }).int().min(1);

/** A registry model the admin names; the same answer for unknown ids as Directus gives. */
async function modelOf(c: Container, id: string): Promise<ModelDefinition> {
	try {
		return await c.models.get(id);
	} catch (error) {
		if (error instanceof NotFoundError) throw new NotFoundError(`Model "${id}" does not exist or you cannot read it.`, { model: id });
		throw error;
	}
}

function origin(req: MlRequest): MlRequest['origin'] {
	return req.origin;
}

/**
 * The ML Models module's backend (admin): registry overview with health and usage, test calls,
 * defaults, and classifier training, evaluation, activation and rollback.
 */
export function registerModelRoutes(router: Router, getContainer: () => Promise<Container>): void {
	route(router, 'get', '/models', { access: 'admin', summary: 'Every registry model with status (last test), default marker, usage in the last 24 h and versions' }, async (_req, c) => {
		const definitions = await c.models.list();
		const [tests, usage, versions, indexes] = await Promise.all([
			c.classifierVersions.lastTests(),
			usageSince(c.host.database, definitions, new Date(Date.now() - 24 * 3600 * 1000)),
			c.classifierVersions.counts(),
			c.indexes.active(),
		]);
		const models: ModelListEntry[] = definitions.map((d) => {
			const test = tests.get(d.id) ?? null;
			return {
				...d,
				health: test === null ? 'untested' : test.ok ? 'healthy' : 'failing',
				lastTest: test,
				usage24h: usage.get(d.id) ?? { calls: 0, errors: 0 },
				versions: versions.get(d.id) ?? { versions: 0, active: null },
				indexes: d.task === 'embedding' ? indexes.filter((i) => i.embeddingModel === d.id || i.embeddingModel === d.modelId || (!i.embeddingModel && d.isDefault)).length : 0,
			};
		});
		return { models };
	}, getContainer);

	route(router, 'post', '/models/validate', { access: 'admin', body: z.record(z.string(), z.unknown()), summary: 'Check a model row against the key-variable and server allowlists before saving it' }, async (req, c) => ({
		problems: c.modelPolicy.rowProblems(req.body),
	}), getContainer);

	route(router, 'get', '/models/:id', { access: 'admin', summary: 'One model with its versions, recent usage, recent errors, tests and change history' }, async (req, c) => {
		const d = await modelOf(c, req.params.id!);
		const db = c.host.database;
		const [versions, usage, errors, tests, history, usage24h] = await Promise.all([
			c.classifierVersions.list(d.id),
			recentUsage(db, d, { limit: 20 }),
			recentUsage(db, d, { limit: 20, errorsOnly: true }),
			c.classifierVersions.recentTests(d.id, 10),
			modelHistory(c, req, d.id),
			usageSince(db, [d], new Date(Date.now() - 24 * 3600 * 1000)),
		]);
		const using = d.task === 'embedding' ? await indexesUsing(c, d) : [];
		// Indexes that follow whichever model is the default: making this model the default re-embeds them.
		const followers = d.task === 'embedding' && !d.isDefault ? (await c.indexes.active()).filter((i) => !i.embeddingModel).map((i) => ({ id: i.id, name: i.name, collection: i.collection, usesDefault: true })) : [];
		return { model: d, versions, recentUsage: usage, recentErrors: errors, tests, history, usage24h: usage24h.get(d.id), indexes: using, defaultFollowers: followers };
	}, getContainer);

	route(router, 'post', '/models/:id/test', { access: 'admin', summary: 'A real call to the model: latency, dimensions or a sample answer, or the provider error' }, async (req, c) => {
		const d = await modelOf(c, req.params.id!);
		const result = await testModel(
			d,
			{
				embeddingModel: async (id) => (await c.models.embeddingModel(id)).model,
				chatModel: async (id) => (await c.models.chatModel(id)).model,
				classify: async (id, text, signal) => (await c.classifiers.predict(id, text, { signal })).result,
			},
			req.signal,
		);
		const record = await c.classifierVersions.recordTest({
			model: d.id,
			ok: result.ok,
			latencyMs: result.latencyMs,
			message: result.error?.message ?? null,
			details: { ...(result.dimensions !== undefined ? { dimensions: result.dimensions } : {}), ...(result.sample !== undefined ? { sample: result.sample } : {}), ...(result.error ? { code: result.error.code } : {}) },
		});
		c.recordUsage({
			timestamp: new Date(),
			user: origin(req).user,
			sourceType: 'route',
			source: origin(req).source,
			capability: d.task === 'classification' ? 'classification' : d.task,
			provider: d.provider,
			model: d.modelId,
			collection: null,
			item: null,
			inputTokens: 0,
			outputTokens: 0,
			cost: 0,
			latencyMs: result.latencyMs,
			status: result.ok ? 'success' : 'error',
			errorCode: result.error?.code ?? null,
			cacheHit: false,
		});
		return { model: d.id, ...result, testedAt: record.testedAt };
	}, getContainer);

	route(router, 'post', '/models/:id/default', { access: 'admin', summary: 'Make the model the default for its task (the previous default is unset)' }, async (req, c) => {
		const d = await modelOf(c, req.params.id!);
		if (d.status !== 'active') throw new InvalidPayloadError(`Model "${d.name}" is disabled; enable it before making it the default.`, { model: d.id });
		const before = d.task === 'embedding' && !d.isDefault ? await indexesUsing(c, (await c.models.getDefault('embedding').catch(() => null)) ?? d) : [];
		const items = new c.host.services.ItemsService('ml_models', { accountability: req.accountability, schema: req.schema, knex: c.host.database });
		await items.updateOne(d.id, { is_default: true });
		c.models.invalidate();
		return { model: d.id, task: d.task, isDefault: true, staleIndexes: d.task === 'embedding' ? before.filter((i) => i.usesDefault).map((i) => i.name) : [] };
	}, getContainer);

	route(router, 'post', '/models/:id/train', { access: 'admin', body: TrainBody, status: 202, summary: 'Train a classifier on labelled items (a queued job); checks the labels first' }, async (req, c) => {
		const spec: TrainingSpec = { ...req.body, filter: req.body.filter ?? null };
		const started = await c.classifiers.startTraining(req.params.id!, spec, req.accountability.user ?? null, req.signal);
		return { version: started.version, job: { id: started.jobId, queue: 'training', name: 'train-classifier' }, classes: started.classes };
	}, getContainer);

	route(router, 'get', '/models/:id/versions', { access: 'admin', summary: 'Versions of a classifier with their metrics, newest first' }, async (req, c) => ({ versions: await c.classifiers.versions((await modelOf(c, req.params.id!)).id) }), getContainer);

	route(router, 'post', '/models/:id/versions/:version/activate', { access: 'admin', summary: 'Make a trained version the one that answers' }, async (req, c) => {
		const d = await modelOf(c, req.params.id!);
		const version = VersionParam.safeParse(req.params.version);
		if (!version.success) throw new InvalidPayloadError('"version" must be a version number.', { field: 'version' });
		return { version: await c.classifiers.activate(d.id, version.data) };
	}, getContainer);

	route(router, 'post', '/models/:id/rollback', { access: 'admin', summary: 'Activate the newest trained version older than the active one' }, async (req, c) => ({ version: await c.classifiers.rollback((await modelOf(c, req.params.id!)).id) }), getContainer);

	route(router, 'post', '/models/:id/evaluate', { access: 'admin', body: EvaluateBody, summary: 'Score a version (default: the active one) on the items its training spec selects now, or on those `filter` selects' }, async (req, c) =>
		c.classifiers.evaluate((await modelOf(c, req.params.id!)).id, req.body.version, req.signal, req.body.filter),
	getContainer);
}

/** Indexes that embed with this model (explicitly, or through the default when it is the default). */
async function indexesUsing(c: Container, d: ModelDefinition): Promise<{ id: string; name: string; collection: string; usesDefault: boolean }[]> {
	const all = await c.indexes.active();
	return all
		.filter((i) => i.embeddingModel === d.id || i.embeddingModel === d.modelId || (!i.embeddingModel && d.isDefault))
		.map((i) => ({ id: i.id, name: i.name, collection: i.collection, usesDefault: !i.embeddingModel }));
}

/** Who changed the row, when and what (Directus activity and revisions, read with the caller's access). */
async function modelHistory(c: Container, req: MlRequest, id: string): Promise<{ action: string; timestamp: string; user: string | null; delta: Record<string, unknown> | null }[]> {
	const activity = new c.host.services.ActivityService({ accountability: req.accountability, schema: req.schema, knex: c.host.database });
	const rows = (await activity.readByQuery({
		filter: { _and: [{ collection: { _eq: 'ml_models' } }, { item: { _eq: id } }] },
		fields: ['action', 'timestamp', 'user.email', 'user.first_name', 'user.last_name', 'revisions.delta'],
		sort: ['-timestamp'],
		limit: 50,
	})) as { action: string; timestamp: string; user: { email?: string; first_name?: string | null; last_name?: string | null } | null; revisions: { delta: Record<string, unknown> | null }[] | null }[];
	return rows.map((r) => ({
		action: r.action,
		timestamp: new Date(r.timestamp).toISOString(),
		user: r.user ? [r.user.first_name, r.user.last_name].filter(Boolean).join(' ') || (r.user.email ?? null) : null,
		delta: r.revisions?.[0]?.delta ?? null,
	}));
}
