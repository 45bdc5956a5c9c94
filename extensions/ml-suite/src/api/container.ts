import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Accountability, ApiExtensionContext, SchemaOverview } from '@directus/types';
import { ChatService } from '../core/chat/chat-service.js';
import { parseConfig, type MlConfig } from '../core/config.js';
import type { EmbedResponse } from '../core/embeddings/embedding-service.js';
import { EVALUATION_JOBS } from '../core/evaluation/evaluation-job.js';
import type { EvaluationService } from '../core/evaluation/evaluation-service.js';
import { ChangeCoalescer } from '../core/indexing/change-coalescer.js';
import { SaveActivity } from '../core/indexing/save-activity.js';
import { computeSettingsHash, TRANSCRIPTS_COLLECTION, type IndexDefinition } from '../core/indexing/index-definition.js';
import { IndexRepository } from '../core/indexing/index-repository.js';
import { INDEXING_JOBS, reconcile, type IndexingJobDeps } from '../core/indexing/indexing-jobs.js';
import { KnexLeaseLock } from '../core/locks/knex-lease-lock.js';
import { IndexingService, type IndexModel } from '../core/indexing/indexing-service.js';
import { Sweeper } from '../core/jobs/sweeper.js';
import type { Queue } from '../core/jobs/types.js';
import { ModelEndpointPolicy } from '../core/providers/model-endpoint-policy.js';
import { CircuitBreakers } from '../core/providers/circuit-breaker.js';
import { ModelRegistry } from '../core/providers/model-registry.js';
import { PromptStore } from '../core/prompts/prompt-store.js';
import { RagService } from '../core/rag/rag-service.js';
import { createFullTextIndex } from '../core/search/create-full-text-index.js';
import { excludeInternalTables } from './schema/exclude-internal-tables.js';
import type { FullTextIndex } from '../core/search/full-text-index.js';
import { defaultFusion } from '../core/search/fusion.js';
import type { Reranker } from '../core/search/reranker.js';
import { RerankPolicy } from '../core/search/rerank-policy.js';
import { HttpReranker } from '../core/providers/http-reranker.js';
import { SearchService } from '../core/search/search-service.js';
import { estimateTokens } from '../core/text/estimate-tokens.js';
import { KnexUsageRecorder } from '../core/usage/knex-usage-recorder.js';
import { UsageAnalytics } from '../core/usage/usage-analytics.js';
import { pruneUsage } from '../core/usage/usage-maintenance.js';
import { UsageMetrics } from '../core/usage/usage-metrics.js';
import type { CallOrigin, UsageEvent } from '../core/usage/types.js';
import type { VectorStore } from '../core/vector-stores/types.js';
import type { BaseContainer, HostContext } from './container-types.js';
import { DIRECTUS_AI_SECRETS } from '../core/providers/directus-ai-settings.js';
import { DirectusAiSettingsSource } from './directus-ai-settings-source.js';
import { DirectusCallerAccess } from './directus-caller-access.js';
import { ModelAccess } from './model-access.js';
import { detectDirectusRuntime, type DirectusRuntime } from './directus-runtime.js';
import { DirectusItemSource } from './directus-item-source.js';
import { buildEmbeddings } from './embedding-wiring.js';
import { buildEvaluation } from './evaluation-wiring.js';
import { buildAnalysis } from './analysis-wiring.js';
import { buildClassifiers } from './classifier-wiring.js';
import type { ClassifierService } from '../core/classifiers/classifier-service.js';
import type { ClassifierVersions } from '../core/classifiers/classifier-versions.js';
import { buildEnrichment } from './enrichment-wiring.js';
import type { EnrichmentRepository } from '../core/enrichment/enrichment-repository.js';
import type { EnrichmentService } from '../core/enrichment/enrichment-service.js';
import type { EnrichmentJobDeps } from '../core/enrichment/enrichment-jobs.js';
import type { AnalysisService } from '../core/analysis/analysis-service.js';
import type { ComplexityService } from '../core/complexity/complexity-service.js';
import { buildHealthChecks, type HealthCheck } from './health-checks.js';
import { CallerSearch } from './caller-search.js';
import { IndexResolver } from './index-resolver.js';
import { buildQueue, type QueueWiring } from './queue-wiring.js';
import { createRagRetriever, type RagCaller } from './rag-retriever.js';
import { createUserRateLimiter, type UserRateLimiter } from '../core/rate-limit/user-rate-limiter.js';
import { chooseQueueBackend } from '../core/jobs/create-queue.js';
import { emptySchemaStatus, type SchemaStatus } from './schema/apply-suite-schema.js';
import { buildVectorStores } from './vector-store-wiring.js';
import { buildTranscription, type TranscriptionWiring } from './transcription-wiring.js';
import { buildBudgetGuard } from './budget-wiring.js';
import type { BudgetGuard } from '../core/budgets/budget-guard.js';

/** Who calls a model: the caller's accountability and, in a request, its schema. */
export interface ModelCaller {
	accountability: Accountability;
	schema?: SchemaOverview;
}

/**
 * The one composition root. Parses the config once and builds providers, stores, queues and
 * the usage recorder once per process (memoised), for hooks, endpoints, operations and CLI
 * commands alike. Nothing else reads the environment. Services with logic of their own live in
 * their own files (chat, index resolver, RAG retriever, sweeper, health checks); this file wires them.
 */
export interface Container extends BaseContainer {
	healthChecks: HealthCheck[];
	/** Outcome of the start-up schema step (`applySuiteSchema`), reported by /ml/health. */
	schemaStatus: SchemaStatus;
	/** The running Directus: version and (on 12) license state. */
	directus: DirectusRuntime;
	models: ModelRegistry;
	/** Who may use which model (read access to its `ml_models` row), cached per caller. */
	modelAccess: ModelAccess;
	/** Chat calls for routes and flows: model resolution with access checks, fitting, usage. */
	chat: ChatService<ModelCaller>;
	/** Directus 12's Settings → AI (keys and models the suite can use instead of env variables). */
	aiSettings: DirectusAiSettingsSource;
	/** Which key variables and servers `ml_models` rows may name (ML_ALLOWED_KEY_ENVS, ML_ALLOWED_BASE_URL_HOSTS). */
	modelPolicy: ModelEndpointPolicy;
	usage: KnexUsageRecorder;
	/** Usage reports over `ml_usage` and its hourly rollups. */
	usageAnalytics: UsageAnalytics;
	/** Prometheus histograms of this process's provider calls (for /ml/metrics). */
	usageMetrics: UsageMetrics;
	/** Budgets (`ml_budgets`), checked before every provider call of the registry's models. */
	budgets: BudgetGuard;
	queue: Queue;
	queueWiring: QueueWiring;
	indexes: IndexRepository;
	indexing: IndexingService;
	/** Save hooks report changed items here; they are marked pending and enqueued in batches. */
	changes: ChangeCoalescer;
	/** Save hooks note item saves here; background indexing in this process waits for them to pause. */
	saves: SaveActivity;
	itemSource: DirectusItemSource;
	search: SearchService;
	/** The database's keyword engine (null on databases without one). */
	fullText: FullTextIndex | null;
	/** The configured reranker (ML_RERANK_*) and when a search uses it. */
	rerank: RerankPolicy;
	/** What a caller may read, and which search indexes they may use. */
	indexResolver: IndexResolver<DirectusCallerAccess>;
	/** Search on behalf of a caller (routes, the Semantic search operation, RAG retrieval). */
	callerSearch: CallerSearch;
	storeFor(index: IndexDefinition): VectorStore;
	resolveIndexModel(index: IndexDefinition): Promise<IndexModel>;
	/** Embeds texts with a registry model (the default when `modelId` is omitted), cached and usage-recorded. */
	embedTexts(texts: string[], options: { modelId?: string | null; origin: CallOrigin; signal?: AbortSignal }): Promise<EmbedResponse>;
	prompts: PromptStore;
	rag: RagService<RagCaller>;
	/** Relevance evaluation: sets, runs and the evaluation job. */
	evaluation: EvaluationService;
	/** Text analyses on the local or LLM engine (limits, usage). */
	analysis: AnalysisService;
	/** Classifiers trained on CMS labels: training runs, versions, prediction. */
	classifiers: ClassifierService;
	/** Stored classifier versions and model test results. */
	classifierVersions: ClassifierVersions;
	/** Task complexity estimates (rules or LLM-assisted, calibrated). */
	complexity: ComplexityService;
	/** Enrichment pipeline definitions (`ml_enrichments`). */
	enrichments: EnrichmentRepository;
	/** Runs pipelines on items and writes results back. */
	enrichment: EnrichmentService;
	enrichmentJobDeps: EnrichmentJobDeps;
	/** Speech to text for files: ffmpeg, the service, and `ml_transcripts`. */
	transcription: TranscriptionWiring;
	recordUsage(event: UsageEvent): void;
	/** Marks an index stale and enqueues a reindex when its settings differ from what its vectors were built with. */
	scheduleReindexIfStale(index: IndexDefinition): Promise<boolean>;
	/** Per-provider circuit breakers shared by every model of this process. */
	breakers: CircuitBreakers;
	/**
	 * The periodic chores (reconcile sweep, usage pruning, queue depth sampling) and on-demand
	 * reconciles. Every Directus instance and worker runs the timers; a lease per chore in the
	 * database lets one of them do it at a time (see `KnexLeaseLock`).
	 */
	sweeper: Sweeper;
	/** Starts queue workers (and the periodic chores). */
	startWorkers(): Promise<void>;
	/** Per-user limit on the routes that call models (ML_RATE_LIMIT_*), on the queue's Redis when there is one; created on first use. */
	rateLimiter(): UserRateLimiter;
	/** Stops workers (draining active jobs) and flushes buffers; called on shutdown. */
	close(): Promise<void>;
}

/**
 * The allowlists from the config. The key variables and base URLs the operator configured for the
 * default models (ML_EMBEDDING_*, ML_CHAT_*) are allowed too: the operator chose them.
 */
function modelEndpointPolicy(config: MlConfig): ModelEndpointPolicy {
	const hosts = config.ML_ALLOWED_BASE_URL_HOSTS.length === 0 ? [] : [...config.ML_ALLOWED_BASE_URL_HOSTS];
	for (const configured of [config.ML_EMBEDDING_BASE_URL, config.ML_CHAT_BASE_URL, config.ML_TRANSCRIPTION_BASE_URL]) {
		if (hosts.length > 0 && configured) hosts.push(new URL(configured).host);
	}
	return new ModelEndpointPolicy({
		// Keys saved in Directus's own Settings → AI are the admin's choice too.
		allowedKeyEnvs: [...new Set([...config.ML_ALLOWED_KEY_ENVS, config.ML_EMBEDDING_API_KEY_ENV, config.ML_CHAT_API_KEY_ENV, config.ML_TRANSCRIPTION_API_KEY_ENV, ...Object.values(DIRECTUS_AI_SECRETS)])],
		allowedHosts: hosts,
	});
}

/** A secret from the process environment: a non-empty string, or undefined. */
function envSecret(env: Record<string, unknown>, name: string): string | undefined {
	const value = env[name];
	return typeof value === 'string' && value.length > 0 ? value : undefined;
}

/** The configured reranker (ML_RERANK_BASE_URL and ML_RERANK_MODEL), or null. */
function configuredReranker(config: MlConfig, env: Record<string, unknown>): Reranker | null {
	if (!config.ML_RERANK_BASE_URL || !config.ML_RERANK_MODEL) return null;
	return new HttpReranker({
		baseUrl: config.ML_RERANK_BASE_URL,
		model: config.ML_RERANK_MODEL,
		apiKeyEnv: config.ML_RERANK_API_KEY_ENV ?? null,
		resolveSecret: (name) => envSecret(env, name),
		timeoutMs: config.ML_PROVIDER_TIMEOUT_MS,
	});
}

/** The per-user rate limiter, on the queue's Redis when there is one. */
function userRateLimiter(config: MlConfig, env: Record<string, unknown>): UserRateLimiter {
	const choice = chooseQueueBackend(config, env);
	return createUserRateLimiter({
		points: config.ML_RATE_LIMIT_REQUESTS,
		windowSeconds: config.ML_RATE_LIMIT_WINDOW_SECONDS,
		redisUrl: choice.options.backend === 'bullmq' ? choice.options.redisUrl : undefined,
		keyPrefix: `${config.ML_QUEUE_PREFIX}:rate`,
	});
}

let containerPromise: Promise<Container> | null = null;

export function getContainer(context: ApiExtensionContext | HostContext): Promise<Container> {
	containerPromise ??= buildContainer(context as HostContext).catch((error: unknown) => {
		containerPromise = null;
		throw error;
	});
	return containerPromise;
}

/** Closes the container if this process built one (shutdown must not build it). */
export async function closeContainerIfBuilt(): Promise<void> {
	if (!containerPromise) return;
	const container = await containerPromise.catch(() => null);
	await container?.close();
}

async function buildContainer(host: HostContext): Promise<Container> {
	const { config, issues } = parseConfig(host.env);
	for (const issue of issues) {
		host.logger.error(`[ml-suite] invalid ${issue.variable}=${JSON.stringify(issue.value)}: ${issue.message}. Using the default instead.`);
	}
	const db = host.database;
	const aiSettings = new DirectusAiSettingsSource(host);
	const directus = await detectDirectusRuntime(host.logger);

	const modelPolicy = modelEndpointPolicy(config);
	const breakers = new CircuitBreakers({ failureThreshold: config.ML_CIRCUIT_FAILURE_THRESHOLD, cooldownMs: config.ML_CIRCUIT_COOLDOWN_MS });
	const budgets = buildBudgetGuard(config, host);
	const models = new ModelRegistry({
		knex: db,
		guard: budgets,
		factory: {
			policy: modelPolicy,
			resolveSecret: (name) => (name.startsWith('directus:') ? aiSettings.secret(name) : envSecret(host.env, name)),
			timeoutMs: config.ML_PROVIDER_TIMEOUT_MS,
			maxRetries: config.ML_PROVIDER_MAX_RETRIES,
			breakers,
		},
	});
	const modelAccess = new ModelAccess(host);
	const usageMetrics = new UsageMetrics();
	const usage = new KnexUsageRecorder({ knex: db, flushIntervalMs: config.ML_USAGE_FLUSH_MS, logger: host.logger, onRecord: (event) => usageMetrics.observe(event) });
	const recordUsage = (event: UsageEvent): void => usage.record(event);
	const chat = new ChatService<ModelCaller>({ models, assertAccess: (caller, definition) => modelAccess.assert(caller.accountability, definition, caller.schema), record: recordUsage });
	const embeddings = buildEmbeddings(host, { models, usage });
	const { embeddingModel, embedTexts, resolveIndexModel } = embeddings;

	const stores = buildVectorStores(config, host);
	const storeFor = (index: IndexDefinition): VectorStore => stores.get(index.vectorStore);
	const itemSource = new DirectusItemSource(host);
	const indexes = new IndexRepository(db, { chunkSize: config.ML_CHUNK_SIZE, chunkOverlap: config.ML_CHUNK_OVERLAP }, 10_000, (error, row) =>
		host.logger.warn(`[ml-suite] ignoring invalid ml_indexes row ${JSON.stringify((row as { name?: string })?.name)}: ${(error as Error).message}`),
	);

	// SQLite keyword indexes are tables per search index: kept out of Directus's schema as they are created.
	const fullText = createFullTextIndex(db, { language: config.ML_FULLTEXT_LANGUAGE, onTables: (tables) => excludeInternalTables(host.env, tables) });
	const saves = new SaveActivity({ quietMs: config.ML_INDEXING_QUIET_MS, maxDeferMs: config.ML_INDEXING_MAX_DEFER_MS });
	const indexing = new IndexingService({
		db,
		fullText,
		saves,
		items: itemSource,
		resolveModel: resolveIndexModel,
		storeFor,
		async embed(index, texts, origin, signal) {
			const response = await embedTexts(texts, { modelId: index.embeddingModel, origin: { ...origin, collection: origin.collection ?? index.collection }, signal });
			return response.embeddings;
		},
	});
	const search = new SearchService({
		fullText,
		storeFor,
		async fusionDefaults(index) {
			const { model } = await embeddingModel(index.embeddingModel);
			return defaultFusion(model.provider);
		},
		async queryModelKey(index) {
			return (await resolveIndexModel(index)).key;
		},
		async embedQuery(index, text, origin, signal) {
			const response = await embedTexts([text], { modelId: index.embeddingModel, origin, signal });
			const vector = response.embeddings[0];
			if (!vector) throw new Error('The embedding model returned no vector for the query.');
			return vector;
		},
	});
	const rerank = new RerankPolicy({ reranker: configuredReranker(config, host.env), indexes: config.ML_RERANK_INDEXES, depth: config.ML_RERANK_DEPTH, record: recordUsage });
	const indexResolver = new IndexResolver({ indexes, access: (accountability, schema) => new DirectusCallerAccess(host, accountability, schema) });
	const callerSearch = new CallerSearch({ indexResolver, search, rerank, queryCaps: async (index) => (await models.embeddingModel(index.embeddingModel ?? undefined)).definition });

	const prompts = new PromptStore(db);
	const rag = new RagService<RagCaller>({
		retrieve: createRagRetriever(callerSearch),
		getChatModel: (modelId) => models.getChatModel(modelId),
		prompts,
		estimateTokens,
		onStreamError: (error) => host.logger.error(error, '[ml-suite] RAG stream failed'),
	});

	const queueWiring = buildQueue(config, host);
	const { classifiers, classifierVersions } = buildClassifiers(host, {
		models,
		queueWiring,
		keepVersions: config.ML_CLASSIFIER_KEEP_VERSIONS,
		threadMemoryMb: config.ML_CLASSIFIER_THREAD_MEMORY_MB,
		embedTexts,
	});
	const { analysis, complexity } = buildAnalysis(config, {
		trained: {
			isClassifier: async (modelId) => (await classifiers.find(modelId)) !== null,
			predict: (modelId, text, options) => classifiers.predict(modelId, text, options),
		},
		models,
		embedTexts: (texts, options) => embedTexts(texts, { ...options, modelId: null }),
		record: recordUsage,
	});

	const queue = queueWiring.queue;
	const jobDeps: IndexingJobDeps = { indexes, indexing, queue };
	for (const job of INDEXING_JOBS) queueWiring.register(job, jobDeps);
	const evaluation = buildEvaluation({
		host,
		models,
		indexes,
		indexing,
		itemSource,
		search,
		queue,
		storeFor,
		callerAccess: (accountability) => indexResolver.callerAccess(accountability),
		embedTexts,
		rerankFor: (list, requested, origin) => rerank.forSearch(list, requested, origin),
		rerankerName: rerank.reranker ? rerank.reranker.modelId : null,
	});
	for (const job of EVALUATION_JOBS) queueWiring.register(job, { evaluation });
	const { enrichments, enrichment, enrichmentJobDeps } = buildEnrichment(host, { analysis, complexity, queueWiring });
	const transcription = await buildTranscription(config, host, {
		models,
		record: recordUsage,
		queueWiring,
		// Same path as an item saved in the app: the coalescer marks them pending and queues index-items.
		transcriptsChanged: async (ids) => {
			if (ids.length === 0) return;
			for (const index of await indexes.forCollection(TRANSCRIPTS_COLLECTION)) changes.add(index.id, TRANSCRIPTS_COLLECTION, ids);
		},
	});

	const sweeper = new Sweeper(config, {
		reconcile: (options) => reconcile(jobDeps, options),
		sweepTranscripts: () => transcription.sweepStuck(),
		pruneBudgets: () => budgets.prune(),
		pruneUsage: (before) => pruneUsage(db, before),
		queueDepth: { listQueues: () => queueWiring.admin.listQueues(), history: queueWiring.depth },
		lock: new KnexLeaseLock(db, { holder: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}` }),
		logger: host.logger,
	});
	sweeper.requeueOnRecovery(breakers);
	const changes = new ChangeCoalescer({
		windowMs: config.ML_INDEXING_BATCH_WINDOW_MS,
		async flush({ indexId, collection, keys }) {
			await indexing.documents.markPending(indexId, collection, keys);
			try {
				await queue.enqueue('index-items', { indexId, keys });
			} catch (error) {
				sweeper.noteEnqueueFailure();
				host.logger.warn(`[ml-suite] could not enqueue indexing of ${collection} (${keys.length} items); they stay pending and will be retried: ${(error as Error).message}`);
			}
		},
		onError: (error, batch) => host.logger.error(error, `[ml-suite] recording ${batch.keys.length} changed items of ${batch.collection} for indexing failed`),
	});
	let closed = false;
	let rateLimiter: UserRateLimiter | undefined;

	return {
		config,
		configIssues: issues,
		host,
		directus,
		models,
		modelAccess,
		chat,
		aiSettings,
		modelPolicy,
		usage,
		usageAnalytics: new UsageAnalytics({ knex: db }),
		usageMetrics,
		budgets,
		queue,
		queueWiring,
		indexes,
		indexing,
		changes,
		saves,
		itemSource,
		search,
		fullText,
		rerank,
		indexResolver,
		callerSearch,
		storeFor,
		resolveIndexModel,
		embedTexts,
		prompts,
		rag,
		evaluation,
		analysis,
		classifiers,
		classifierVersions,
		complexity,
		enrichments,
		enrichment,
		enrichmentJobDeps,
		transcription,
		recordUsage,
		healthChecks: buildHealthChecks({ config, host, directus, indexes, queue, queueWiring, storeChecks: stores.healthChecks(), embeddingModel, transcription, models, aiSettings }),
		schemaStatus: emptySchemaStatus(),
		async scheduleReindexIfStale(index) {
			const model = await resolveIndexModel(index);
			if (index.settingsHash === computeSettingsHash(index, model)) return false;
			await indexing.documents.markIndexStale(index.id);
			await queue.enqueue('reindex', { indexId: index.id }, { priority: 'low' });
			return true;
		},
		breakers,
		sweeper,
		async startWorkers() {
			await queue.startWorkers();
			sweeper.start();
		},
		rateLimiter() {
			rateLimiter ??= userRateLimiter(config, host.env);
			return rateLimiter;
		},
		async close() {
			if (closed) return;
			closed = true;
			await rateLimiter?.close();
			sweeper.stop();
			await changes.close().catch(() => undefined);
			await sweeper.releaseLeases();
			await queue.close({ timeoutMs: 25_000 }).catch((error: unknown) => host.logger.warn(`[ml-suite] closing the queue: ${(error as Error).message}`));
			await usage.close().catch(() => undefined);
			await budgets.close().catch(() => undefined);
			await embeddings.close();
			await stores.close();
		},
	};
}
