import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { retryWhileBusy, writeTransaction, type BusyRetryOptions } from '../database/busy-retry.js';
import { NotFoundError } from '../errors.js';
import type { ClassificationMetrics } from './classification-metrics.js';
import type { SerializedTrainOutcome } from './training-thread-protocol.js';
import type { ClassifierArtifact, ClassifierVersion, TrainingSpec } from './types.js';
import type { ModelTestRecord } from '../../shared/model-types.js';

export type { ModelTestRecord };

export const VERSIONS_TABLE = 'ml_model_versions';
export const MODEL_TESTS_TABLE = 'ml_model_tests';
/** Labels written since a classifier's last training run started (automatic retraining). */
export const LABEL_COUNTS_TABLE = 'ml_classifier_label_counts';

/** Creates the versions and model-test tables when missing (plain tables; the suite reads them with knex only). Idempotent. */
export async function ensureClassifierTables(knex: Knex): Promise<void> {
	if (!(await knex.schema.hasTable(VERSIONS_TABLE))) {
		try {
			await knex.schema.createTable(VERSIONS_TABLE, (t) => {
				t.string('id', 36).primary();
				t.string('model', 36).notNullable().index();
				t.integer('version').notNullable();
				t.string('status', 16).notNullable();
				t.boolean('active').notNullable().defaultTo(false);
				t.text('spec').notNullable();
				t.text('metrics');
				t.integer('train_size');
				t.integer('test_size');
				t.integer('training_ms');
				t.text('labels');
				t.text('artifact', 'longtext');
				t.string('job_id', 255);
				t.text('error');
				t.string('created_by', 36);
				t.timestamp('created_at').notNullable();
				t.timestamp('trained_at');
				t.timestamp('activated_at');
				t.unique(['model', 'version']);
			});
		} catch (error) {
			// Another process created it at the same moment.
			if (!(await knex.schema.hasTable(VERSIONS_TABLE))) throw error;
		}
	}
	if (!(await knex.schema.hasTable(MODEL_TESTS_TABLE))) {
		try {
			await knex.schema.createTable(MODEL_TESTS_TABLE, (t) => {
				t.increments('id');
				t.string('model', 36).notNullable().index();
				t.boolean('ok').notNullable();
				t.integer('latency_ms').notNullable();
				t.text('message');
				t.text('details');
				t.timestamp('tested_at').notNullable();
			});
		} catch (error) {
			if (!(await knex.schema.hasTable(MODEL_TESTS_TABLE))) throw error;
		}
	}
	if (!(await knex.schema.hasTable(LABEL_COUNTS_TABLE))) {
		try {
			await knex.schema.createTable(LABEL_COUNTS_TABLE, (t) => {
				t.string('model', 36).primary();
				t.integer('new_labels').notNullable().defaultTo(0);
				t.timestamp('updated_at').notNullable();
			});
		} catch (error) {
			if (!(await knex.schema.hasTable(LABEL_COUNTS_TABLE))) throw error;
		}
	}
}

interface VersionRow {
	id: string;
	model: string;
	version: number | string;
	status: string;
	active: boolean | number;
	spec: string;
	metrics: string | null;
	train_size: number | string | null;
	test_size: number | string | null;
	training_ms: number | string | null;
	labels: string | null;
	job_id: string | null;
	error: string | null;
	created_by: string | null;
	created_at: Date | string | number;
	trained_at: Date | string | number | null;
	activated_at: Date | string | number | null;
}

const SUMMARY_COLUMNS = ['id', 'model', 'version', 'status', 'active', 'spec', 'metrics', 'train_size', 'test_size', 'training_ms', 'labels', 'job_id', 'error', 'created_by', 'created_at', 'trained_at', 'activated_at'];

/**
 * At most 2000 characters of an error for the version row. Database errors start with the whole
 * statement (a version's weights are megabytes of JSON) and end with the cause: keep both ends.
 */
export function shortError(message: string): string {
	return message.length <= 2000 ? message : `${message.slice(0, 400)} … ${message.slice(-1500)}`;
}

const iso = (v: Date | string | number | null): string | null => (v === null || v === undefined ? null : new Date(v).toISOString());
const num = (v: number | string | null): number | null => (v === null || v === undefined ? null : Number(v));

function toVersion(row: VersionRow): ClassifierVersion {
	return {
		id: row.id,
		model: row.model,
		version: Number(row.version),
		status: row.status as ClassifierVersion['status'],
		active: row.active === true || row.active === 1,
		spec: JSON.parse(row.spec) as TrainingSpec,
		metrics: row.metrics ? (JSON.parse(row.metrics) as ClassificationMetrics) : null,
		trainSize: num(row.train_size),
		testSize: num(row.test_size),
		trainingMs: num(row.training_ms),
		labels: row.labels ? (JSON.parse(row.labels) as string[]) : [],
		jobId: row.job_id,
		error: row.error,
		createdBy: row.created_by,
		createdAt: iso(row.created_at)!,
		trainedAt: iso(row.trained_at),
		activatedAt: iso(row.activated_at),
	};
}

/**
 * Classifier versions in the database, so every Directus instance and worker sees the same
 * versions and active flag, and they survive restarts. Weights live in `artifact` (JSON) and
 * are read only when a version is loaded for prediction.
 */
export class ClassifierVersions {
	/** `busy`: how long a write waits for another process writing the same SQLite file (default 60 s). */
	constructor(
		private readonly knex: Knex,
		private readonly busy: BusyRetryOptions = {},
	) {}

	/**
	 * Every write goes through here: on a SQLite file shared with another process (Directus and a
	 * standalone worker) a write, or a transaction that reads first, can find the file busy.
	 */
	private write<T>(run: () => Promise<T>): Promise<T> {
		return retryWhileBusy(run, this.busy);
	}

	async create(model: string, spec: TrainingSpec, createdBy: string | null): Promise<ClassifierVersion> {
		return writeTransaction(this.knex, VERSIONS_TABLE, this.busy, async (trx) => {
			const last = (await trx(VERSIONS_TABLE).where({ model }).max({ v: 'version' }).first()) as { v: number | string | null } | undefined;
			const id = randomUUID();
			await trx(VERSIONS_TABLE).insert({ id, model, version: Number(last?.v ?? 0) + 1, status: 'queued', active: false, spec: JSON.stringify(spec), created_by: createdBy, created_at: new Date() });
			return this.get(id, trx);
		});
	}

	async get(id: string, trx: Knex = this.knex): Promise<ClassifierVersion> {
		const row = (await trx(VERSIONS_TABLE).select(SUMMARY_COLUMNS).where({ id }).first()) as VersionRow | undefined;
		if (!row) throw new NotFoundError(`Version "${id}" does not exist.`, { version: id });
		return toVersion(row);
	}

	/** A model's version by number. */
	async byNumber(model: string, version: number): Promise<ClassifierVersion> {
		const row = (await this.knex(VERSIONS_TABLE).select(SUMMARY_COLUMNS).where({ model, version }).first()) as VersionRow | undefined;
		if (!row) throw new NotFoundError(`Version ${version} of this model does not exist.`, { version });
		return toVersion(row);
	}

	/** Newest first. */
	async list(model: string): Promise<ClassifierVersion[]> {
		const rows = (await this.knex(VERSIONS_TABLE).select(SUMMARY_COLUMNS).where({ model }).orderBy('version', 'desc')) as VersionRow[];
		return rows.map(toVersion);
	}

	/** Models with versions, and how many, for the changelist. */
	async counts(): Promise<Map<string, { versions: number; active: number | null }>> {
		const rows = (await this.knex(VERSIONS_TABLE).select('model', 'version', 'active')) as { model: string; version: number | string; active: boolean | number }[];
		const out = new Map<string, { versions: number; active: number | null }>();
		for (const r of rows) {
			const entry = out.get(r.model) ?? { versions: 0, active: null };
			entry.versions += 1;
			if (r.active === true || r.active === 1) entry.active = Number(r.version);
			out.set(r.model, entry);
		}
		return out;
	}

	/** The active version's id and number (no weights), or null. */
	async activeId(model: string): Promise<{ id: string; version: number } | null> {
		const row = (await this.knex(VERSIONS_TABLE).select('id', 'version').where({ model, active: true }).first()) as { id: string; version: number | string } | undefined;
		return row ? { id: row.id, version: Number(row.version) } : null;
	}

	async artifact(id: string): Promise<ClassifierArtifact> {
		const row = (await this.knex(VERSIONS_TABLE).select('artifact').where({ id }).first()) as { artifact: string | null } | undefined;
		if (!row?.artifact) throw new NotFoundError(`Version "${id}" has no trained weights.`, { version: id });
		return JSON.parse(row.artifact) as ClassifierArtifact;
	}

	async markTraining(id: string, jobId: string | null): Promise<void> {
		await this.write(() => this.knex(VERSIONS_TABLE).where({ id }).update({ status: 'training', job_id: jobId, error: null }));
	}

	async markFailed(id: string, error: string): Promise<void> {
		await this.write(() => this.knex(VERSIONS_TABLE).where({ id }).update({ status: 'failed', error: shortError(error) }));
	}

	async setJob(id: string, jobId: string): Promise<void> {
		await this.write(() => this.knex(VERSIONS_TABLE).where({ id }).update({ job_id: jobId }));
	}

	/** Stores a finished run; in the same transaction it becomes active when its model has no active version. */
	async complete(id: string, outcome: SerializedTrainOutcome): Promise<void> {
		const artifact = outcome.artifactJson;
		await writeTransaction(this.knex, VERSIONS_TABLE, this.busy, async (trx) => {
			const row = (await trx(VERSIONS_TABLE).select('model').where({ id }).first()) as { model: string } | undefined;
			if (!row) throw new NotFoundError(`Version "${id}" does not exist.`, { version: id });
			const hasActive = await trx(VERSIONS_TABLE).where({ model: row.model, active: true }).first('id');
			await trx(VERSIONS_TABLE)
				.where({ id })
				.update({
					status: 'ready',
					artifact,
					metrics: JSON.stringify(outcome.metrics),
					labels: JSON.stringify(outcome.labels),
					train_size: outcome.trainSize,
					test_size: outcome.testSize,
					training_ms: outcome.trainingMs,
					trained_at: new Date(),
					error: null,
					...(hasActive ? {} : { active: true, activated_at: new Date() }),
				});
		});
	}

	/** Makes one ready version the model's only active one (in one transaction). */
	async activate(model: string, id: string): Promise<void> {
		await writeTransaction(this.knex, VERSIONS_TABLE, this.busy, async (trx) => {
			await trx(VERSIONS_TABLE).where({ model, active: true }).update({ active: false });
			await trx(VERSIONS_TABLE).where({ model, id }).update({ active: true, activated_at: new Date() });
		});
	}

	async recordTest(record: Omit<ModelTestRecord, 'testedAt'>): Promise<ModelTestRecord> {
		const testedAt = new Date();
		await this.write(() => this.knex(MODEL_TESTS_TABLE).insert({
			model: record.model,
			ok: record.ok,
			latency_ms: Math.round(record.latencyMs),
			message: record.message,
			details: record.details ? JSON.stringify(record.details) : null,
			tested_at: testedAt,
		}));
		return { ...record, testedAt: testedAt.toISOString() };
	}

	/** The latest test per model. */
	async lastTests(): Promise<Map<string, ModelTestRecord>> {
		const latest = this.knex(MODEL_TESTS_TABLE).select('model').max({ id: 'id' }).groupBy('model');
		const rows = (await this.knex(MODEL_TESTS_TABLE).whereIn('id', this.knex.select('id').from(latest.as('l')))) as ModelTestRow[];
		return new Map(rows.map((r) => [r.model, toModelTest(r)]));
	}

	/** Recent failed tests of a model, newest first. */
	async recentTests(model: string, limit = 20): Promise<ModelTestRecord[]> {
		const rows = (await this.knex(MODEL_TESTS_TABLE).where({ model }).orderBy('id', 'desc').limit(limit)) as ModelTestRow[];
		return rows.map(toModelTest);
	}

	/**
	 * Deletes a model's versions beyond the newest `keep`, except the active one and any that is
	 * queued or training. Returns the deleted versions' ids and numbers.
	 */
	async prune(model: string, keep: number): Promise<{ id: string; version: number }[]> {
		const rows = (await this.knex(VERSIONS_TABLE).select('id', 'version', 'status', 'active').where({ model }).orderBy('version', 'desc')) as { id: string; version: number | string; status: string; active: boolean | number }[];
		const doomed = rows.slice(Math.max(0, keep)).filter((r) => !(r.active === true || r.active === 1) && r.status !== 'queued' && r.status !== 'training');
		if (doomed.length === 0) return [];
		// The active flag is checked again in the delete: an activation between the read and here wins.
		await this.write(() => this.knex(VERSIONS_TABLE).where({ model, active: false }).whereIn('id', doomed.map((r) => r.id)).whereNotIn('status', ['queued', 'training']).delete());
		return doomed.map((r) => ({ id: r.id, version: Number(r.version) }));
	}

	/**
	 * Classifiers whose newest version asks for automatic retraining, with that version's spec
	 * and whether a run is already queued or training.
	 */
	async retrainConfigs(): Promise<{ model: string; spec: TrainingSpec; busy: boolean }[]> {
		const rows = (await this.knex(VERSIONS_TABLE).select('model', 'version', 'status', 'spec').orderBy([{ column: 'model' }, { column: 'version', order: 'desc' }])) as { model: string; version: number | string; status: string; spec: string }[];
		const out = new Map<string, { model: string; spec: TrainingSpec; busy: boolean }>();
		for (const r of rows) {
			const busy = r.status === 'queued' || r.status === 'training';
			const seen = out.get(r.model);
			if (seen) {
				seen.busy ||= busy;
				continue;
			}
			out.set(r.model, { model: r.model, spec: JSON.parse(r.spec) as TrainingSpec, busy });
		}
		return [...out.values()].filter((c) => (c.spec.retrainAfterNewLabels ?? 0) > 0);
	}

	/** Adds `count` new labels to a model's count (atomically); returns the new count. */
	async addNewLabels(model: string, count: number): Promise<number> {
		const rows = (await this.write(async () =>
			this.knex(LABEL_COUNTS_TABLE)
				.insert({ model, new_labels: count, updated_at: new Date() })
				.onConflict('model')
				.merge({ new_labels: this.knex.raw('??.?? + ?', [LABEL_COUNTS_TABLE, 'new_labels', count]), updated_at: new Date() })
				.returning('new_labels'),
		)) as ({ new_labels: number | string } | number | string)[];
		const first = rows[0];
		if (first !== undefined) return Number(typeof first === 'object' ? first.new_labels : first);
		const row = (await this.knex(LABEL_COUNTS_TABLE).select('new_labels').where({ model }).first()) as { new_labels: number | string } | undefined;
		return Number(row?.new_labels ?? 0);
	}

	/** Resets the count when it reached `threshold`; true for the one caller that reset it (so one instance starts the run). */
	async claimRetrain(model: string, threshold: number): Promise<boolean> {
		const n = await this.write(() => this.knex(LABEL_COUNTS_TABLE).where({ model }).andWhere('new_labels', '>=', threshold).update({ new_labels: 0, updated_at: new Date() }));
		return Number(n) > 0;
	}

	/** A training run started: labels are counted from zero again. */
	async resetNewLabels(model: string): Promise<void> {
		await this.write(() => this.knex(LABEL_COUNTS_TABLE).where({ model }).update({ new_labels: 0, updated_at: new Date() }));
	}

	/** Removes a model's versions, test history and label count (when the model row is deleted). */
	async removeModel(model: string): Promise<void> {
		await this.write(() => this.knex(VERSIONS_TABLE).where({ model }).delete());
		await this.write(() => this.knex(MODEL_TESTS_TABLE).where({ model }).delete());
		await this.write(() => this.knex(LABEL_COUNTS_TABLE).where({ model }).delete());
	}
}

/** A row of the model test table. */
interface ModelTestRow {
	model: string;
	ok: boolean | number;
	latency_ms: number | string;
	message: string | null;
	details: string | null;
	tested_at: Date | string | number;
}

function toModelTest(r: ModelTestRow): ModelTestRecord {
	return { model: r.model, ok: r.ok === true || r.ok === 1, latencyMs: Number(r.latency_ms), message: r.message, details: r.details ? (JSON.parse(r.details) as Record<string, unknown>) : null, testedAt: iso(r.tested_at)! };
}
