import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import { parseEvalQueries } from './eval-set.js';
import type { EvalQueryResult, EvalRunMetrics, EvalRunRecord, EvalRunStatus, EvalRunTimings, EvalSetRecord } from './eval-records.js';
import { jsonColumn } from '../database/json-column.js';

const SETS = 'ml_eval_sets';
const RUNS = 'ml_eval_runs';
const now = (): string => new Date().toISOString();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;


const text = (value: unknown): string | null => (value === null || value === undefined ? null : String(value));
const num = (value: unknown): number | null => (value === null || value === undefined || value === '' ? null : Number(value));
const iso = (value: unknown): string | null => (value === null || value === undefined ? null : value instanceof Date ? value.toISOString() : String(value));

type Row = Record<string, unknown>;

function toSet(row: Row): EvalSetRecord {
	let queries: EvalSetRecord['queries'] = [];
	try {
		queries = parseEvalQueries(row.queries);
	} catch {
		// A set edited into an invalid state outside the suite's validation: it shows, but cannot run.
		queries = [];
	}
	return {
		id: String(row.id),
		name: String(row.name),
		description: text(row.description),
		indexId: text(row.index),
		collection: text(row.collection),
		idField: text(row.id_field),
		source: (text(row.source) ?? 'manual') as EvalSetRecord['source'],
		queries,
		queryCount: queries.length,
		importReport: jsonColumn<Record<string, unknown> | null>(row.import_report, null),
		dateCreated: iso(row.date_created),
		dateUpdated: iso(row.date_updated),
	};
}

function toRun(row: Row): EvalRunRecord {
	const ndcg = num(row.ndcg_at_10);
	return {
		id: String(row.id),
		status: String(row.status) as EvalRunStatus,
		setId: text(row.eval_set),
		setName: String(row.set_name ?? ''),
		setHash: String(row.set_hash ?? ''),
		indexName: String(row.index_name ?? ''),
		collection: String(row.collection ?? ''),
		modelId: text(row.model),
		modelKey: String(row.model_key ?? ''),
		modelLabel: String(row.model_label ?? ''),
		candidateModel: row.candidate_model === true || row.candidate_model === 1 || row.candidate_model === '1',
		mode: String(row.mode ?? ''),
		reranker: text(row.reranker),
		searchOptions: jsonColumn<Record<string, unknown>>(row.search_options, {}),
		k: Number(row.k ?? 0),
		queryCount: Number(row.query_count ?? 0),
		progress: Number(row.progress ?? 0),
		metrics:
			ndcg === null
				? null
				: {
						ndcg10: ndcg,
						recall: num(row.recall_at_k) ?? 0,
						mrr: num(row.mrr) ?? 0,
						queries: Number(row.query_count ?? 0),
						queriesWithHit: Number(row.queries_with_hit ?? 0),
					},
		perQuery: jsonColumn<EvalQueryResult[] | null>(row.per_query, null),
		timings: jsonColumn<EvalRunTimings | null>(row.timings, null),
		details: jsonColumn<Record<string, unknown>>(row.details, {}),
		error: text(row.error),
		jobId: text(row.job_id),
		source: (text(row.source) ?? 'api') as EvalRunRecord['source'],
		user: text(row.user),
		dateCreated: iso(row.date_created) ?? '',
		dateStarted: iso(row.date_started),
		dateFinished: iso(row.date_finished),
	};
}

/** Columns of a run summary (everything but the per-query results). */
const SUMMARY_COLUMNS = [
	'id', 'status', 'eval_set', 'set_name', 'set_hash', 'index_name', 'collection', 'model', 'model_key', 'model_label', 'candidate_model', 'mode', 'reranker',
	'search_options', 'k', 'query_count', 'queries_with_hit', 'progress', 'ndcg_at_10', 'recall_at_k', 'mrr', 'timings', 'details', 'error', 'job_id', 'source',
	'user', 'date_created', 'date_started', 'date_finished',
];

/** What creating a run takes: the record's descriptive fields, for a stored set. */
export type NewEvalRun = Pick<
	EvalRunRecord,
	'setName' | 'setHash' | 'indexName' | 'collection' | 'modelId' | 'modelKey' | 'modelLabel' | 'candidateModel' | 'mode' | 'reranker' | 'searchOptions' | 'k' | 'queryCount' | 'source' | 'user'
> & { setId: string };

/**
 * Reads evaluation sets and reads/writes evaluation runs. Runs are written with plain SQL: the
 * job that writes them may run in a standalone worker, and a run's progress updates should not
 * fill Directus's activity log. Sets are written by admins through Directus (validated by a hook).
 */
export class EvalRepository {
	constructor(private readonly db: Knex) {}

	/** A set by id or by name; null when there is none. */
	async findSet(idOrName: string): Promise<EvalSetRecord | null> {
		const query = this.db(SETS).where('name', idOrName);
		if (UUID.test(idOrName)) query.orWhere('id', idOrName);
		const row = (await query.first()) as Row | undefined;
		return row ? toSet(row) : null;
	}

	async listSets(): Promise<EvalSetRecord[]> {
		const rows = (await this.db(SETS).select('*').orderBy('name')) as Row[];
		return rows.map(toSet);
	}

	async createRun(run: NewEvalRun): Promise<EvalRunRecord> {
		const id = randomUUID();
		await this.db(RUNS).insert({
			id,
			status: 'queued',
			eval_set: run.setId,
			set_name: run.setName,
			set_hash: run.setHash,
			index_name: run.indexName,
			collection: run.collection,
			model: run.modelId,
			model_key: run.modelKey,
			model_label: run.modelLabel,
			candidate_model: run.candidateModel,
			mode: run.mode,
			reranker: run.reranker,
			search_options: JSON.stringify(run.searchOptions),
			k: run.k,
			query_count: run.queryCount,
			progress: 0,
			source: run.source,
			user: run.user,
			date_created: now(),
		});
		const created = await this.getRun(id);
		if (!created) throw new Error(`Run ${id} vanished right after it was created.`);
		return created;
	}

	async getRun(id: string): Promise<EvalRunRecord | null> {
		if (!UUID.test(id)) return null;
		const row = (await this.db(RUNS).where('id', id).first()) as Row | undefined;
		return row ? toRun(row) : null;
	}

	/** Run summaries, newest first, without per-query results. */
	async listRuns(filter: { setId?: string; limit: number; offset?: number }): Promise<EvalRunRecord[]> {
		const query = this.db(RUNS).select(SUMMARY_COLUMNS).orderBy('date_created', 'desc').orderBy('id').limit(filter.limit).offset(filter.offset ?? 0);
		if (filter.setId) query.where('eval_set', filter.setId);
		return ((await query) as Row[]).map(toRun);
	}

	/** Runs still queued or running (to requeue after a restart). */
	async unfinishedRuns(): Promise<EvalRunRecord[]> {
		return ((await this.db(RUNS).select(SUMMARY_COLUMNS).whereIn('status', ['queued', 'running']).orderBy('date_created')) as Row[]).map(toRun);
	}

	async setJob(id: string, jobId: string): Promise<void> {
		await this.db(RUNS).where('id', id).update({ job_id: jobId });
	}

	/** Moves a queued (or interrupted) run to running. Returns false when it is finished already. */
	async markRunning(id: string): Promise<boolean> {
		const updated = await this.db(RUNS)
			.where('id', id)
			.whereIn('status', ['queued', 'running'])
			.update({ status: 'running', progress: 0, error: null, date_started: now() });
		return updated > 0;
	}

	async setProgress(id: string, progress: number, details?: Record<string, unknown>): Promise<void> {
		await this.db(RUNS)
			.where('id', id)
			.where('status', 'running')
			.update({ progress: Math.max(0, Math.min(100, Math.round(progress))), ...(details ? { details: JSON.stringify(details) } : {}) });
	}

	async complete(id: string, result: { metrics: EvalRunMetrics; perQuery: EvalQueryResult[]; timings: EvalRunTimings; details: Record<string, unknown> }): Promise<void> {
		await this.db(RUNS).where('id', id).update({
			status: 'completed',
			progress: 100,
			ndcg_at_10: result.metrics.ndcg10,
			recall_at_k: result.metrics.recall,
			mrr: result.metrics.mrr,
			query_count: result.metrics.queries,
			queries_with_hit: result.metrics.queriesWithHit,
			per_query: JSON.stringify(result.perQuery),
			timings: JSON.stringify(result.timings),
			details: JSON.stringify(result.details),
			error: null,
			date_finished: now(),
		});
	}

	async fail(id: string, message: string, status: 'failed' | 'cancelled' = 'failed'): Promise<void> {
		await this.db(RUNS).where('id', id).whereNot('status', 'completed').update({ status, error: message.slice(0, 4000), date_finished: now() });
	}

	/** Sets a queued or running run to cancelled; returns false when it had finished. */
	async cancel(id: string): Promise<boolean> {
		const updated = await this.db(RUNS).where('id', id).whereIn('status', ['queued', 'running']).update({ status: 'cancelled', error: 'Cancelled by an administrator.', date_finished: now() });
		return updated > 0;
	}

	async status(id: string): Promise<EvalRunStatus | null> {
		const row = (await this.db(RUNS).select('status').where('id', id).first()) as Row | undefined;
		return row ? (String(row.status) as EvalRunStatus) : null;
	}
}
