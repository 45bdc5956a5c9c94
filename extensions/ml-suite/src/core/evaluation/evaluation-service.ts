import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { z } from 'zod';
import { InvalidPayloadError, isMlError, NotFoundError } from '../errors.js';
import { namespaceOf, type IndexDefinition } from '../indexing/index-definition.js';
import { FusionOverrides } from '../search/fusion.js';
import type { CallOrigin } from '../usage/types.js';
import { usageSource } from '../usage/usage-source.js';
import type { BeirImportReport } from './beir-import.js';
import { importBeirSet, type BeirImportRequest, type NewEvalSet } from './beir-set-import.js';
import { buildCandidateVectors, type CandidateVectorsDeps } from './candidate-vectors.js';
import type { EvalRunRecord, EvalRunSource, EvalSetRecord } from './eval-records.js';
import type { EvalRepository } from './eval-repository.js';
import type { EvalQuery } from './eval-set.js';
import { compareRuns, type RunComparison } from './compare-runs.js';
import { evaluateQueries, EvaluationStopped, type RankedItem } from './evaluate-queries.js';

/** Search modes an evaluation can run (the search service's modes). */
export const EVAL_SEARCH_MODES = ['semantic', 'keyword', 'hybrid'] as const;

/** Search parameters a run may set beyond mode and reranker (the shape `POST /ml/search` takes). */
export const EvalSearchOptions = z
	.object({
		/** Hybrid fusion; unset fields take the index model's defaults. */
		fusion: FusionOverrides.optional(),
	})
	.strict();
export type EvalSearchOptions = z.infer<typeof EvalSearchOptions>;

/** What a caller asks to evaluate. Shared by the route, the CLI and the Flow operation. */
export const EvalRunRequest = z.object({
	/** Evaluation set: id or name. */
	set: z.string().trim().min(1, 'must name an evaluation set').max(255),
	/** Index name; default: the set's index. */
	index: z.string().trim().min(1).max(64).optional(),
	/** `ml_models` id of an embedding model; default: the index's own model. */
	model: z.string().trim().min(1).max(64).nullish(),
	mode: z.enum(EVAL_SEARCH_MODES).default('hybrid'),
	/** Results per query (Recall@k and MRR@k are computed at this depth; nDCG at 10). */
	limit: z.number().int().min(10, 'must be at least 10 (nDCG is computed at 10)').max(100).default(100),
	/** Reranker name (as configured for search); default: none. */
	reranker: z.string().trim().min(1).max(100).nullish(),
	/** Further search parameters passed to the search service (fusion settings). */
	options: EvalSearchOptions.default({}),
});
export type EvalRunRequest = z.infer<typeof EvalRunRequest>;

/** An embedding model as an evaluation sees it. */
export interface EvaluationModel {
	/** `ml_models` id; null when no registry row backs it. */
	id: string | null;
	/** Provider/model/dimensions identity (what vectors depend on). */
	key: string;
	/** Human label, e.g. `Local hash (local/local-hash-384)`. */
	label: string;
	dimensions: number;
}

export interface RankRequest {
	index: IndexDefinition;
	query: string;
	mode: string;
	limit: number;
	reranker: string | null;
	options: EvalSearchOptions;
	origin: CallOrigin;
	signal?: AbortSignal;
}

export interface EvaluationDeps {
	repository: EvalRepository;
	/** Any index (whatever its status) by name; throws NotFoundError naming it. */
	indexByName(name: string): Promise<IndexDefinition>;
	indexById(id: string): Promise<IndexDefinition | null>;
	/** An embedding model of the registry (`null`: the default one); throws naming a bad id. */
	resolveModel(modelId: string | null): Promise<EvaluationModel>;
	/** Items for a query, best first, searched with full read access. */
	rank(request: RankRequest): Promise<RankedItem[]>;
	/** How much of an index is indexed now. */
	coverage(index: IndexDefinition): Promise<{ indexed: number; items: number | null }>;
	/** What building vectors with another model needs. */
	candidate(index: IndexDefinition, model: EvaluationModel, origin: CallOrigin): CandidateVectorsDeps;
	/** Every index (any status). */
	listIndexes(): Promise<IndexDefinition[]>;
	/** Embedding models of the registry. */
	listModels(): Promise<(EvaluationModel & { name: string; status: string; isDefault: boolean })[]>;
	/** Enqueues the evaluation job of a run. */
	enqueue(runId: string): Promise<{ id: string }>;
	/** Reranker names search can use (empty when none is configured). */
	rerankers(): string[];
	/** Maps values of an item field (null: the primary key) to item keys; throws naming an unknown field. */
	resolveItemKeys(collection: string, field: string | null, values: string[]): Promise<Map<string, string>>;
	/** The text of a file in Directus Files. */
	readFile(id: string): Promise<string>;
	/** Writes a set (as `who`, so Directus records the change); replaces the row `replaceId` when given. */
	saveSet(set: NewEvalSet, replaceId: string | null, who: { user: string | null }): Promise<string>;
}

export interface ExecuteContext {
	jobId: string | null;
	signal?: AbortSignal;
	/** Job progress (the run row's progress is written by the service). */
	progress?: (percent: number) => Promise<void>;
	log?: (message: string) => Promise<void>;
	/** False when the queue will retry on failure: the run then stays `running`. Default: true. */
	finalAttempt?: boolean;
}

/** Share of the progress bar given to building candidate vectors. */
const BUILD_SHARE = 40;

/** Hash of a set's queries and judgements: per-query comparisons need equal hashes. */
export function hashQueries(queries: readonly EvalQuery[]): string {
	return createHash('sha256').update(JSON.stringify(queries)).digest('hex').slice(0, 16);
}

/**
 * Relevance evaluation: runs an evaluation set's queries through search for an index × model ×
 * mode (× reranker), scores them (nDCG@10, Recall@k, MRR@k) and stores the run with its
 * per-query results, so runs can be compared side by side.
 *
 * A model other than the index's own is evaluated on vectors built for the run (same items,
 * fields and chunking), in a namespace that is dropped afterwards: the index users search is
 * never touched.
 */
export class EvaluationService {
	constructor(private readonly deps: EvaluationDeps) {}

	get repository(): EvalRepository {
		return this.deps.repository;
	}

	/** The set, or a 404 naming it. */
	async set(idOrName: string): Promise<EvalSetRecord> {
		const set = await this.deps.repository.findSet(idOrName);
		if (!set) throw new NotFoundError(`Evaluation set "${idOrName}" does not exist.`, { set: idOrName });
		return set;
	}

	/** What runs can be configured with: indexes (with their model), embedding models, modes, rerankers. */
	async options(): Promise<{
		indexes: { name: string; label: string; collection: string; status: string; model: EvaluationModel }[];
		models: (EvaluationModel & { name: string; status: string; isDefault: boolean })[];
		modes: string[];
		rerankers: string[];
		limit: { min: number; max: number; default: number };
	}> {
		const [indexes, models] = await Promise.all([this.deps.listIndexes(), this.deps.listModels()]);
		return {
			indexes: await Promise.all(
				indexes.map(async (index) => ({
					name: index.name,
					label: index.label,
					collection: index.collection,
					status: index.status,
					model: await this.deps.resolveModel(index.embeddingModel).catch((error: unknown) => ({
						id: index.embeddingModel,
						key: '',
						label: `unavailable: ${(error as Error).message}`,
						dimensions: 0,
					})),
				})),
			),
			models,
			modes: [...EVAL_SEARCH_MODES],
			rerankers: this.deps.rerankers(),
			limit: { min: 10, max: 100, default: 100 },
		};
	}

	/** Sets with the name of their index, without their queries. */
	async setSummaries(): Promise<(Omit<EvalSetRecord, 'queries'> & { index: string | null })[]> {
		const [sets, indexes] = await Promise.all([this.deps.repository.listSets(), this.deps.listIndexes()]);
		const names = new Map(indexes.map((index) => [index.id, index.name]));
		return sets.map(({ queries: _queries, ...set }) => ({ ...set, index: set.indexId ? (names.get(set.indexId) ?? null) : null }));
	}

	/** Completed runs side by side; the first is the baseline. */
	async compare(ids: readonly string[]): Promise<RunComparison> {
		const runs = await Promise.all(ids.map((id) => this.run(id)));
		const unfinished = runs.filter((run) => run.status !== 'completed');
		if (unfinished.length > 0) {
			throw new InvalidPayloadError(`Only completed runs can be compared: ${unfinished.map((run) => `${run.id} is ${run.status}`).join(', ')}.`, { field: 'runs' });
		}
		return compareRuns(runs);
	}

	/** The run, or a 404 naming it. */
	async run(id: string): Promise<EvalRunRecord> {
		const run = await this.deps.repository.getRun(id);
		if (!run) throw new NotFoundError(`Evaluation run "${id}" does not exist.`, { run: id });
		return run;
	}

	/** Imports a BEIR-format set (queries.jsonl + qrels), mapping corpus ids to items through a field. */
	async importBeir(request: BeirImportRequest, who: { user: string | null }, options: { source?: EvalSetRecord['source'] } = {}): Promise<{ set: EvalSetRecord; report: BeirImportReport }> {
		const { id, report } = await importBeirSet(request, {
			findSet: (name) => this.deps.repository.findSet(name),
			indexByName: (name) => this.deps.indexByName(name),
			resolveItemKeys: (collection, field, values) => this.deps.resolveItemKeys(collection, field, values),
			readFile: (fileId) => this.deps.readFile(fileId),
			saveSet: (set, replaceId) => this.deps.saveSet({ ...set, source: options.source ?? set.source }, replaceId, who),
		});
		return { set: await this.set(id), report };
	}

	/**
	 * Validates a request and records a queued run. With `enqueue` (the default) the run's job is
	 * put on the queue; without, the caller executes it (the CLI does, in its own process).
	 */
	async createRun(input: EvalRunRequest, who: { user: string | null; source: EvalRunSource }, options: { enqueue?: boolean } = {}): Promise<EvalRunRecord> {
		const set = await this.set(input.set);
		if (set.queries.length === 0) throw new InvalidPayloadError(`Evaluation set "${set.name}" has no valid queries; edit it or import it again.`, { set: set.name });
		const index = await this.indexFor(set, input.index);
		if (set.collection && set.collection !== index.collection) {
			throw new InvalidPayloadError(`Index "${index.name}" covers "${index.collection}", but set "${set.name}" judges items of "${set.collection}".`, { field: 'index' });
		}
		const indexModel = await this.deps.resolveModel(index.embeddingModel);
		const model = input.model ? await this.deps.resolveModel(input.model) : indexModel;
		const reranker = input.reranker ?? null;
		if (reranker !== null && !this.deps.rerankers().includes(reranker)) {
			const known = this.deps.rerankers();
			throw new InvalidPayloadError(`Unknown reranker "${reranker}". ${known.length > 0 ? `Configured: ${known.join(', ')}.` : 'No reranker is configured.'}`, { field: 'reranker' });
		}
		const run = await this.deps.repository.createRun({
			setId: set.id,
			setName: set.name,
			setHash: hashQueries(set.queries),
			indexName: index.name,
			collection: index.collection,
			modelId: model.id,
			modelKey: model.key,
			modelLabel: model.label,
			candidateModel: model.key !== indexModel.key,
			mode: input.mode,
			reranker,
			searchOptions: input.options,
			k: input.limit,
			queryCount: set.queries.length,
			source: who.source,
			user: who.user,
		});
		if (options.enqueue === false) return run;
		try {
			const job = await this.deps.enqueue(run.id);
			await this.deps.repository.setJob(run.id, job.id);
			return { ...run, jobId: job.id };
		} catch (error) {
			await this.deps.repository.fail(run.id, `Could not enqueue the evaluation: ${(error as Error).message}`);
			throw error;
		}
	}

	private async indexFor(set: EvalSetRecord, name: string | undefined): Promise<IndexDefinition> {
		if (name) return this.deps.indexByName(name);
		if (set.indexId) {
			const index = await this.deps.indexById(set.indexId);
			if (index) return index;
		}
		throw new InvalidPayloadError(`Evaluation set "${set.name}" has no index: name one in "index".`, { field: 'index' });
	}

	/**
	 * Executes a run (the evaluation job's body). Idempotent: a finished run is left alone, and
	 * an interrupted one starts over.
	 */
	async execute(runId: string, ctx: ExecuteContext): Promise<EvalRunRecord | { skipped: string }> {
		const repo = this.deps.repository;
		const run = await repo.getRun(runId);
		if (!run) return { skipped: 'run deleted' };
		if (!(await repo.markRunning(runId))) return { skipped: `run is ${run.status}` };
		const started = performance.now();
		// Outside a job, only the CLI executes runs (`ml:evaluate`).
		const origin: CallOrigin = { user: run.user, ...(ctx.jobId ? usageSource.job('evaluate-search') : usageSource.cli('ml:evaluate')), collection: run.collection };
		let candidateNamespace: { namespace: string; store: CandidateVectorsDeps['store'] } | null = null;
		let lastPercent = -1;
		const report = async (percent: number, details?: Record<string, unknown>): Promise<void> => {
			const rounded = Math.floor(percent);
			if (rounded === lastPercent && !details) return;
			lastPercent = rounded;
			await repo.setProgress(runId, rounded, details);
			await ctx.progress?.(rounded);
		};
		try {
			if (!run.setId) throw new NotFoundError('The evaluation set of this run was deleted.');
			const set = await this.set(run.setId);
			const index = await this.deps.indexByName(run.indexName);
			let searched: IndexDefinition = index;
			const details: Record<string, unknown> = { setHash: hashQueries(set.queries) };
			let buildMs = 0;
			if (run.candidateModel) {
				const model = await this.deps.resolveModel(run.modelId);
				if (model.key !== run.modelKey) throw new InvalidPayloadError(`Model "${run.modelLabel}" changed since the run was created (now ${model.key}); start a new run.`);
				// Same index id (the keyword side reads the index's own text), own name (its own vector namespace).
				searched = { ...index, name: `${index.name}__eval_${run.id.replace(/-/g, '').slice(0, 12)}`, embeddingModel: run.modelId };
				const deps = this.deps.candidate(index, model, origin);
				candidateNamespace = { namespace: namespaceOf(searched), store: deps.store };
				await ctx.log?.(`Embedding "${index.name}" with ${model.label} for this run`);
				const buildStarted = performance.now();
				const built = await buildCandidateVectors(index, candidateNamespace.namespace, deps, {
					signal: ctx.signal,
					onProgress: (done, total) => report((done / Math.max(1, total)) * BUILD_SHARE),
				});
				buildMs = performance.now() - buildStarted;
				details.candidate = { items: built.items, chunks: built.chunks, dimensions: model.dimensions };
				await report(BUILD_SHARE, details);
			} else {
				details.coverage = await this.deps.coverage(index);
			}
			const base = run.candidateModel ? BUILD_SHARE : 0;
			await ctx.log?.(`Running ${set.queries.length} queries (${run.mode}${run.reranker ? ` + ${run.reranker}` : ''}, k = ${run.k})`);
			const outcome = await evaluateQueries(
				set.queries,
				(query, signal) => this.deps.rank({ index: searched, query, mode: run.mode, limit: run.k, reranker: run.reranker, options: run.searchOptions, origin, signal }),
				{
					k: run.k,
					signal: ctx.signal,
					onProgress: (done, total) => report(base + (done / total) * (100 - base - 1)),
					shouldStop: async () => (await repo.status(runId)) === 'cancelled',
				},
			);
			const totalMs = performance.now() - started;
			await repo.complete(runId, {
				metrics: outcome.metrics,
				perQuery: outcome.perQuery,
				timings: {
					totalMs: Math.round(totalMs),
					buildMs: Math.round(buildMs),
					searchP50Ms: outcome.latency.p50,
					searchP95Ms: outcome.latency.p95,
					searchMeanMs: outcome.latency.mean,
				},
				details,
			});
			await ctx.log?.(`nDCG@10 ${outcome.metrics.ndcg10.toFixed(4)}, Recall@${run.k} ${outcome.metrics.recall.toFixed(4)}, MRR@${run.k} ${outcome.metrics.mrr.toFixed(4)}`);
			return this.run(runId);
		} catch (error) {
			if (error instanceof EvaluationStopped) return { skipped: 'run cancelled' };
			const retrying = ctx.finalAttempt === false && (!isMlError(error) || error.retryable);
			if (!retrying) await repo.fail(runId, (error as Error).message ?? String(error));
			throw error;
		} finally {
			if (candidateNamespace) {
				await candidateNamespace.store.dropNamespace(candidateNamespace.namespace).catch(() => undefined);
			}
		}
	}

	/** Cancels a queued or running run (a running one stops within a few queries). */
	async cancel(id: string): Promise<EvalRunRecord> {
		const run = await this.run(id);
		if (!(await this.deps.repository.cancel(id))) throw new InvalidPayloadError(`Run "${id}" is ${run.status}; only queued or running runs can be cancelled.`, { status: run.status });
		return this.run(id);
	}

	/** Enqueues runs left queued or running by a stopped process (the job id deduplicates). */
	async resumeUnfinished(): Promise<number> {
		let resumed = 0;
		for (const run of await this.deps.repository.unfinishedRuns()) {
			// A CLI run executes in its own process, which may still be running it; it records its own end
			// (a killed one can be cancelled from the evaluation view).
			if (run.source === 'cli') continue;
			const job = await this.deps.enqueue(run.id);
			await this.deps.repository.setJob(run.id, job.id);
			resumed++;
		}
		return resumed;
	}
}
