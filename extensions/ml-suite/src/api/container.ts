import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Accountability, ApiExtensionContext, SchemaOverview } from '@directus/types';
import { parseConfig, type MlConfig } from '../core/config.js';
import { EmbeddingService, type EmbedResponse } from '../core/embeddings/embedding-service.js';
import { EVALUATION_JOBS } from '../core/evaluation/evaluation-job.js';
import type { EvaluationService } from '../core/evaluation/evaluation-service.js';
import { LayeredEmbeddingCache, MemoryEmbeddingCache } from '../core/embeddings/embedding-cache.js';
import { KnexEmbeddingCache } from '../core/embeddings/knex-embedding-cache.js';
import { WriteBehindEmbeddingCache } from '../core/embeddings/write-behind-embedding-cache.js';
import { ChangeCoalescer } from '../core/indexing/change-coalescer.js';
import { SaveActivity } from '../core/indexing/save-activity.js';
import { computeSettingsHash, TRANSCRIPTS_COLLECTION, type IndexDefinition } from '../core/indexing/index-definition.js';
import { IndexRepository } from '../core/indexing/index-repository.js';
import { INDEXING_JOBS, reconcile, type IndexingJobDeps } from '../core/indexing/indexing-jobs.js';
import { KnexLeaseLock } from '../core/locks/knex-lease-lock.js';
import { IndexingService, type IndexModel } from '../core/indexing/indexing-service.js';
import type { Queue } from '../core/jobs/types.js';
import { ModelEndpointPolicy } from '../core/providers/model-endpoint-policy.js';
import { CircuitBreakers } from '../core/providers/circuit-breaker.js';
import { ModelRegistry } from '../core/providers/model-registry.js';
import type { EmbeddingModel } from '../core/providers/types.js';
import { PromptStore } from '../core/prompts/prompt-store.js';
import { RagService } from '../core/rag/rag-service.js';
import { createFullTextIndex } from '../core/search/create-full-text-index.js';
import { excludeInternalTables } from './schema/exclude-internal-tables.js';
import type { FullTextIndex } from '../core/search/full-text-index.js';
import { defaultFusion } from '../core/search/fusion.js';
import type { Reranker } from '../core/search/reranker.js';
import { HttpReranker } from '../core/providers/http-reranker.js';
import { assertIndexesFound, SearchService, type SearchRequest } from '../core/search/search-service.js';
import { InvalidPayloadError } from '../core/errors.js';
import { estimateTokens } from '../core/text/estimate-tokens.js';
import { KnexUsageRecorder } from '../core/usage/knex-usage-recorder.js';
import { UsageAnalytics } from '../core/usage/usage-analytics.js';
import { pruneUsage } from '../core/usage/usage-maintenance.js';
import { QueueDepthSampler } from '../core/jobs/queue-depth-sampler.js';
import { UsageMetrics } from '../core/usage/usage-metrics.js';
import type { CallOrigin, UsageEvent } from '../core/usage/types.js';
import { usageSource } from '../core/usage/usage-source.js';
import type { VectorStore } from '../core/vector-stores/types.js';
import type { BaseContainer, HostContext } from './container-types.js';
import { DIRECTUS_AI_SECRETS } from '../core/providers/directus-ai-settings.js';
import { DirectusAiSettingsSource } from './directus-ai-settings-source.js';
import { DirectusCallerAccess } from './directus-caller-access.js';
import { ModelAccess } from './model-access.js';
import { checkDirectus } from './directus-health.js';
import { collectionInactiveError, detectDirectusRuntime, type DirectusRuntime } from './directus-runtime.js';
import { DirectusItemSource } from './directus-item-source.js';
import { setErrorLogger } from './errors.js';
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
import { buildQueue, type QueueWiring } from './queue-wiring.js';
import { createUserRateLimiter, type UserRateLimiter } from '../core/rate-limit/user-rate-limiter.js';
import { chooseQueueBackend } from '../core/jobs/create-queue.js';
import { buildVectorStores, type VectorStores } from './vector-store-wiring.js';
import { buildTranscription, type TranscriptionWiring } from './transcription-wiring.js';
import { buildBudgetGuard } from './budget-wiring.js';
import type { BudgetGuard } from '../core/budgets/budget-guard.js';

/**
 * The one composition root. Parses the config once and builds providers, stores, queues and
 * the usage recorder once per process (memoised), for hooks, endpoints, operations and CLI
 * commands alike. Nothing else reads the environment.
 */
export interface HealthCheck {
	name: string;
	/** Required checks make /ml/health/ready fail; optional ones only degrade /ml/health. */
	required: boolean;
	check(): Promise<{ ok: boolean; message?: string; details?: Record<string, unknown> }>;
}

export interface Container extends BaseContainer {
	healthChecks: HealthCheck[];
	/** The running Directus: version and (on 12) license state. */
	directus: DirectusRuntime;
	models: ModelRegistry;
	/** Who may use which model (read access to its `ml_models` row), cached per caller. */
	modelAccess: ModelAccess;
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
	/** The configured reranker (ML_RERANK_*), or null. */
	reranker: Reranker | null;
	/**
	 * The rerank stage for a search over `indexes`: on when the request asks (`true`), or when it
	 * does not say and every index is listed in ML_RERANK_INDEXES. Usage is recorded. Asking for
	 * reranking with none configured is a 400.
	 */
	rerankFor(indexes: IndexDefinition[], requested: boolean | undefined, origin: CallOrigin): SearchRequest['rerank'];
	stores: VectorStores;
	storeFor(index: IndexDefinition): VectorStore;
	resolveIndexModel(index: IndexDefinition): Promise<IndexModel>;
	/** Embeds with a registry model (default embedding model when `modelId` is omitted). */
	embeddingModel(modelId?: string | null): Promise<{ model: EmbeddingModel; definition: { inputPricePerMillion: number; outputPricePerMillion: number } }>;
	/** Embeds texts with a registry model (the default when `modelId` is omitted), cached and usage-recorded. */
	embedTexts(texts: string[], options: { modelId?: string | null; origin: CallOrigin; signal?: AbortSignal }): Promise<EmbedResponse>;
	/** What the caller may read. Pass the request's schema when there is one (loading another deep-copies it). */
	callerAccess(accountability: Accountability, schema?: SchemaOverview): DirectusCallerAccess;
	/**
	 * Active indexes the caller can read: those named (403 "does not exist or you cannot read it" otherwise), or all.
	 * Pass the request's `access` when it also searches, so what the caller may read is asked once.
	 */
	resolveIndexes(accountability: Accountability, names?: string[], schema?: SchemaOverview, access?: DirectusCallerAccess): Promise<IndexDefinition[]>;
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
	/** Enqueues pending documents untouched for `olderThanSeconds`, and items whose indexed text diverged. */
	reconcileNow(olderThanSeconds?: number): Promise<{ requeued: number; diverged: number; retried: number }>;
	/** Per-provider circuit breakers shared by every model of this process. */
	breakers: CircuitBreakers;
	/** Called when enqueueing failed: the next reconcile sweep then requeues pending rows at once. */
	noteEnqueueFailure(): void;
	/** Starts queue workers (and the periodic reconcile sweep). */
	startWorkers(): Promise<void>;
	/**
	 * Starts the periodic chores: the reconcile sweep, usage pruning and queue depth sampling. Every
	 * Directus instance and worker runs the timers; a lease per chore in the database lets one of
	 * them do it at a time (see `KnexLeaseLock`).
	 */
	startSweeper(): void;
	/** The lease coordinating the sweep across processes. */
	sweepLock: KnexLeaseLock;
	/** Per-user limit on the routes that call models (ML_RATE_LIMIT_*), on the queue's Redis when there is one; created on first use. */
	rateLimiter(): UserRateLimiter;
	/** Stops workers (draining active jobs) and flushes buffers; called on shutdown. */
	close(): Promise<void>;
}

/** Who asks a RAG question: passed through core to the permission-aware retriever. */
export interface RagCaller {
	accountability: Accountability;
	/** Usage origin of retrieval's embedding calls; the route or flow that asked. */
	origin?: CallOrigin;
	/** The request's schema, so retrieval does not load (deep-copy) another. */
	schema?: SchemaOverview;
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
	setErrorLogger((error, message) => host.logger.error(error, message));
	for (const issue of issues) {
		host.logger.error(`[ml-suite] invalid ${issue.variable}=${JSON.stringify(issue.value)}: ${issue.message}. Using the default instead.`);
	}
	const db = host.database;
	const env = host.env;
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
			resolveSecret: (name) => {
				if (name.startsWith('directus:')) return aiSettings.secret(name);
				const value = env[name];
				return typeof value === 'string' && value.length > 0 ? value : undefined;
			},
			timeoutMs: config.ML_PROVIDER_TIMEOUT_MS,
			maxRetries: config.ML_PROVIDER_MAX_RETRIES,
			breakers,
		},
	});
	const usageMetrics = new UsageMetrics();
	const usage = new KnexUsageRecorder({ knex: db, flushIntervalMs: config.ML_USAGE_FLUSH_MS, logger: host.logger, onRecord: (event) => usageMetrics.observe(event) });
	const memoryCache = new MemoryEmbeddingCache({ maxEntries: 20_000 });
	// Database cache writes happen behind the request, batched (like usage rows).
	const databaseCache = new WriteBehindEmbeddingCache(new KnexEmbeddingCache({ knex: db }), { logger: host.logger });
	const remoteCache = new LayeredEmbeddingCache(memoryCache, databaseCache);
	// Remote embeddings cost money and latency, so they are also cached in the database; the local
	// embedder is cheaper to rerun than a database round trip, so it only gets the memory cache.
	const localEmbeddings = new EmbeddingService({ cache: memoryCache, usage, logger: host.logger });
	const remoteEmbeddings = new EmbeddingService({ cache: remoteCache, usage, logger: host.logger });
	const embeddingsFor = (model: EmbeddingModel): EmbeddingService => (model.provider === 'local' ? localEmbeddings : remoteEmbeddings);

	const stores = buildVectorStores(config, host);
	const storeFor = (index: IndexDefinition): VectorStore => stores.get(index.vectorStore);
	const itemSource = new DirectusItemSource(host);
	const indexes = new IndexRepository(db, { chunkSize: config.ML_CHUNK_SIZE, chunkOverlap: config.ML_CHUNK_OVERLAP }, 10_000, (error, row) =>
		host.logger.warn(`[ml-suite] ignoring invalid ml_indexes row ${JSON.stringify((row as { name?: string })?.name)}: ${(error as Error).message}`),
	);

	const embeddingModel: Container['embeddingModel'] = (modelId) => models.embeddingModel(modelId ?? undefined);
	const resolveIndexModel = async (index: IndexDefinition): Promise<IndexModel> => {
		const { model } = await embeddingModel(index.embeddingModel);
		return { key: EmbeddingService.cacheModelKey(model), dimensions: model.dimensions };
	};

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
			const resolved = await embeddingModel(index.embeddingModel);
			const response = await embeddingsFor(resolved.model).embed(texts, { model: resolved, origin: { ...origin, collection: origin.collection ?? index.collection }, signal });
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
			const resolved = await embeddingModel(index.embeddingModel);
			const response = await embeddingsFor(resolved.model).embed([text], { model: resolved, origin, signal });
			const vector = response.embeddings[0];
			if (!vector) throw new Error('The embedding model returned no vector for the query.');
			return vector;
		},
	});

	const reranker: Reranker | null =
		config.ML_RERANK_BASE_URL && config.ML_RERANK_MODEL
			? new HttpReranker({
					baseUrl: config.ML_RERANK_BASE_URL,
					model: config.ML_RERANK_MODEL,
					apiKeyEnv: config.ML_RERANK_API_KEY_ENV ?? null,
					resolveSecret: (name) => {
						const value = env[name];
						return typeof value === 'string' && value.length > 0 ? value : undefined;
					},
					timeoutMs: config.ML_PROVIDER_TIMEOUT_MS,
				})
			: null;
	const rerankIndexes = new Set(config.ML_RERANK_INDEXES.split(',').map((s) => s.trim()).filter(Boolean));
	const rerankFor: Container['rerankFor'] = (list, requested, origin) => {
		const wanted = requested ?? (reranker !== null && list.length > 0 && list.every((i) => rerankIndexes.has('*') || rerankIndexes.has(i.name)));
		if (!wanted) return undefined;
		if (!reranker) throw new InvalidPayloadError('No reranker is configured: set ML_RERANK_BASE_URL and ML_RERANK_MODEL.', { field: 'rerank' });
		return {
			reranker,
			depth: config.ML_RERANK_DEPTH,
			onCall: ({ response, error }) =>
				usage.record({
					timestamp: new Date(),
					user: origin.user,
					sourceType: origin.sourceType,
					source: origin.source,
					capability: 'rerank',
					provider: reranker.provider,
					model: reranker.modelId,
					collection: list.length === 1 ? list[0]!.collection : null,
					item: null,
					inputTokens: response?.usage.inputTokens ?? 0,
					outputTokens: 0,
					cost: 0,
					latencyMs: response?.usage.latencyMs ?? 0,
					status: error ? 'error' : 'success',
					errorCode: error ? ((error as { code?: string }).code ?? 'RERANK_FAILED') : null,
					cacheHit: false,
				}),
		};
	};

	const callerAccess = (accountability: Accountability, schema?: SchemaOverview): DirectusCallerAccess => new DirectusCallerAccess(host, accountability, schema);
	const resolveIndexes = async (accountability: Accountability, names?: string[], schema?: SchemaOverview, access = callerAccess(accountability, schema)): Promise<IndexDefinition[]> => {
		const all = await indexes.active();
		const usable: IndexDefinition[] = [];
		for (const index of names ? all.filter((i) => names.includes(i.name)) : all) if (await access.canRead(index.collection)) usable.push(index);
		// Directus tells only callers with access that a collection is inactive; so may we.
		const inactive = names ? all.find((i) => names.includes(i.name) && access.inactive.has(i.collection)) : undefined;
		if (inactive) throw collectionInactiveError(inactive.collection, `searching index "${inactive.name}"`);
		// A named index that is unknown, inactive or over a collection the caller cannot read gets
		// the same answer, as Directus gives for collections.
		if (names) assertIndexesFound(names, usable);
		return usable;
	};

	const prompts = new PromptStore(db);
	const rag = new RagService<RagCaller>({
		async retrieve(options) {
			const access = callerAccess(options.accountability, options.schema);
			const ragIndexes = await resolveIndexes(options.accountability, options.indexes, options.schema, access);
			const hits = await search.search({
				query: options.query,
				indexes: ragIndexes,
				rerank: rerankFor(ragIndexes, undefined, options.origin ?? { user: options.accountability.user ?? null, ...usageSource.route('POST', '/ask') }),
				mode: options.mode ?? 'hybrid',
				limit: options.limit ?? 8,
				filter: options.filter ?? null,
				fields: [],
				access,
				origin: options.origin ?? { user: options.accountability.user ?? null, ...usageSource.route('POST', '/ask') },
				signal: options.signal,
			});
			return hits.map((hit) => ({ index: hit.index, collection: hit.collection, item: hit.item, title: hit.title, content: hit.passage, score: hit.score, link: hit.link, ...(hit.media ? { media: hit.media } : {}) }));
		},
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
		embedTexts: async (texts, options) => {
			const resolved = await embeddingModel(options.modelId);
			return embeddingsFor(resolved.model).embed(texts, { model: resolved, origin: options.origin, signal: options.signal });
		},
	});
	const { analysis, complexity } = buildAnalysis(config, {
		trained: {
			isClassifier: async (modelId) => (await classifiers.find(modelId)) !== null,
			predict: (modelId, text, options) => classifiers.predict(modelId, text, options),
		},
		models,
		embedTexts: async (texts, options) => {
			const resolved = await embeddingModel(null);
			return embeddingsFor(resolved.model).embed(texts, { model: resolved, origin: options.origin, signal: options.signal });
		},
		record: (event) => usage.record(event),
	});

	const queue = queueWiring.queue;
	const jobDeps: IndexingJobDeps = { indexes, indexing, queue };
	for (const job of INDEXING_JOBS) queueWiring.register(job, jobDeps);
	// `container` is defined below; the evaluation only embeds once the container exists.
	const evaluation = buildEvaluation({
		host,
		models,
		indexes,
		indexing,
		itemSource,
		search,
		queue,
		storeFor,
		callerAccess,
		embedTexts: (texts, options) => container.embedTexts(texts, options),
		rerankFor,
		rerankerName: reranker ? reranker.modelId : null,
	});
	for (const job of EVALUATION_JOBS) queueWiring.register(job, { evaluation });
	const { enrichments, enrichment, enrichmentJobDeps } = buildEnrichment(host, { analysis, complexity, queueWiring });
	const transcription = await buildTranscription(config, host, {
		models,
		record: (event) => usage.record(event),
		queueWiring,
		// Same path as an item saved in the app: the coalescer marks them pending and queues index-items.
		transcriptsChanged: async (ids) => {
			if (ids.length === 0) return;
			for (const index of await indexes.forCollection(TRANSCRIPTS_COLLECTION)) changes.add(index.id, TRANSCRIPTS_COLLECTION, ids);
		},
	});

	let reconcileTimer: NodeJS.Timeout | null = null;
	let pruneTimer: NodeJS.Timeout | null = null;
	let depthSampler: QueueDepthSampler | null = null;
	const changes = new ChangeCoalescer({
		windowMs: config.ML_INDEXING_BATCH_WINDOW_MS,
		async flush({ indexId, collection, keys }) {
			await indexing.documents.markPending(indexId, collection, keys);
			try {
				await queue.enqueue('index-items', { indexId, keys });
			} catch (error) {
				backlog = true;
				host.logger.warn(`[ml-suite] could not enqueue indexing of ${collection} (${keys.length} items); they stay pending and will be retried: ${(error as Error).message}`);
			}
		},
		onError: (error, batch) => host.logger.error(error, `[ml-suite] recording ${batch.keys.length} changed items of ${batch.collection} for indexing failed`),
	});
	const sweepLock = new KnexLeaseLock(db, { holder: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}` });
	const verifyCursors = new Map<string, string | null>();
	// Set when a save could not enqueue its work: those rows are pending and nothing is in flight
	// for them, so the next sweep does not wait for them to age.
	let backlog = false;
	let closed = false;
	let rateLimiter: UserRateLimiter | undefined;

	// A provider is back: what failed during its outage is retried now, not after the next sweep.
	breakers.onRecover((endpoint) => {
		if (config.ML_FAILED_RETRY_MAX_ATTEMPTS <= 0) return;
		host.logger.info(`[ml-suite] provider ${endpoint} answers again; requeueing documents that failed during the outage`);
		void reconcile(jobDeps, { olderThanSeconds: 3600, verifyPerIndex: 0, retryFailed: { maxAttempts: config.ML_FAILED_RETRY_MAX_ATTEMPTS, olderThanSeconds: 0 } }).catch((error: unknown) =>
			host.logger.warn(`[ml-suite] requeueing after provider recovery failed: ${(error as Error).message}`),
		);
	});

	const container: Container = {
		config,
		configIssues: issues,
		host,
		directus,
		models,
		modelAccess: new ModelAccess(host),
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
		reranker,
		rerankFor,
		stores,
		storeFor,
		resolveIndexModel,
		embeddingModel,
		async embedTexts(texts, options) {
			const resolved = await embeddingModel(options.modelId);
			return embeddingsFor(resolved.model).embed(texts, { model: resolved, origin: options.origin, signal: options.signal });
		},
		callerAccess,
		resolveIndexes,
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
		recordUsage: (event) => usage.record(event),
		healthChecks: [
			{
				name: 'directus',
				required: false,
				check: () => checkDirectus(host, directus, indexes),
			},
			{
				name: 'database',
				required: true,
				async check() {
					await db.raw('select 1');
					return { ok: true, message: String(db.client.config.client) };
				},
			},
			{
				name: 'queue',
				required: true,
				async check() {
					const health = await queue.health();
					return {
						...health,
						details: { backend: queue.backend, reason: queueWiring.reason, workersInProcess: config.ML_WORKERS_IN_PROCESS || queue.backend === 'inline', ...(queueWiring.warning ? { warning: queueWiring.warning } : {}) },
					};
				},
			},
			...stores.healthChecks(),
			{
				name: 'embeddings',
				required: true,
				async check() {
					const { model } = await embeddingModel(null);
					return { ok: true, message: `${model.provider}/${model.modelId}`, details: { dimensions: model.dimensions } };
				},
			},
			{
				name: 'transcription',
				required: false,
				async check() {
					// Not configured is a valid state (uploads are not blocked); it is reported, not failed.
					const ffmpeg = transcription.ffmpeg;
					const decoder = ffmpeg ? `${ffmpeg.binary.source} ${ffmpeg.binary.path}` : 'no ffmpeg (set ML_FFMPEG_PATH)';
					try {
						const { model } = await models.transcriptionModel();
						return { ok: ffmpeg !== null, message: `${model.provider}/${model.modelId}; ${decoder}` };
					} catch (error) {
						return { ok: true, message: `not configured: ${(error as Error).message}`, details: { decoder } };
					}
				},
			},
			{
				name: 'chat',
				required: false,
				async check() {
					const details = { directusAiSettings: aiSettings.describe() };
					// With ML_CHAT_PROVIDER=none a default chat model may still come from the registry (e.g. one offered by Directus's AI settings).
					const model = config.ML_CHAT_PROVIDER === 'none' ? await models.getChatModel() : (await models.chatModel()).model;
					if (!model) return { ok: true, message: 'not configured (RAG answers extractively)', details };
					return { ok: true, message: `${model.provider}/${model.modelId}`, details };
				},
			},
		],
		async scheduleReindexIfStale(index) {
			const model = await resolveIndexModel(index);
			if (index.settingsHash === computeSettingsHash(index, model)) return false;
			await indexing.documents.markIndexStale(index.id);
			await queue.enqueue('reindex', { indexId: index.id }, { priority: 'low' });
			return true;
		},
		breakers,
		reconcileNow: (olderThanSeconds = 30) =>
			reconcile(jobDeps, {
				olderThanSeconds,
				cursors: verifyCursors,
				verifyPerIndex: config.ML_RECONCILE_VERIFY_BATCH,
				...(config.ML_FAILED_RETRY_MAX_ATTEMPTS > 0 ? { retryFailed: { maxAttempts: config.ML_FAILED_RETRY_MAX_ATTEMPTS, olderThanSeconds: config.ML_FAILED_RETRY_AFTER_SECONDS } } : {}),
			}),
		noteEnqueueFailure: () => {
			backlog = true;
		},
		sweepLock,
		async startWorkers() {
			await queue.startWorkers();
			container.startSweeper();
		},
		startSweeper() {
			if (config.ML_QUEUE_DEPTH_SAMPLE_SECONDS > 0 && !depthSampler) {
				depthSampler = new QueueDepthSampler(
					{ intervalMs: config.ML_QUEUE_DEPTH_SAMPLE_SECONDS * 1000, retentionMs: config.ML_QUEUE_DEPTH_RETENTION_DAYS * 86_400_000 },
					{ listQueues: () => queueWiring.admin.listQueues(), history: queueWiring.depth, lock: sweepLock, logger: host.logger },
				);
				depthSampler.start();
			}
			if (config.ML_RECONCILE_INTERVAL_SECONDS <= 0 || reconcileTimer) return;
			const intervalMs = config.ML_RECONCILE_INTERVAL_SECONDS * 1000;
			let running = false;
			const sweep = async (): Promise<void> => {
				if (running || closed) return;
				running = true;
				const olderThan = backlog ? 0 : 30;
				backlog = false;
				try {
					// One sweeper at a time across instances and workers; the holder renews its lease
					// each sweep and loses it two intervals after it stops (e.g. it died).
					if (!(await sweepLock.tryAcquire('reconcile', intervalMs * 2 + 5_000))) return;
					try {
						const { requeued, diverged, retried } = await container.reconcileNow(olderThan);
						if (requeued > 0) host.logger.info(`[ml-suite] reconcile: requeued ${requeued} pending documents`);
						if (retried > 0) host.logger.info(`[ml-suite] reconcile: retrying ${retried} documents that failed temporarily`);
						if (diverged > 0) host.logger.info(`[ml-suite] reconcile: ${diverged} indexed documents differed from their items; re-indexing them`);
					} catch (error) {
						backlog ||= olderThan === 0;
						host.logger.warn(`[ml-suite] reconcile sweep failed: ${(error as Error).message}`);
					}
					// Transcripts a stopped worker left queued or processing, under the same lease.
					const stuck = await transcription.sweepStuck();
					if (stuck.requeued.length > 0) host.logger.info(`[ml-suite] requeued ${stuck.requeued.length} transcripts a stopped worker left behind`);
					if (stuck.failed.length > 0) host.logger.warn(`[ml-suite] marked ${stuck.failed.length} transcripts failed: left behind by a stopped worker ${config.ML_TRANSCRIPTION_STUCK_MAX_ATTEMPTS} times`);
					for (const u of stuck.unqueued) host.logger.warn(`[ml-suite] could not requeue the transcript of file ${u.file}: ${u.error}`);
				} catch (error) {
					host.logger.warn(`[ml-suite] sweep failed: ${(error as Error).message}`);
				} finally {
					running = false;
				}
			};
			reconcileTimer = setInterval(() => void sweep(), intervalMs);
			reconcileTimer.unref();
			if (config.ML_USAGE_RETENTION_DAYS > 0 && !pruneTimer) {
				const prune = async (): Promise<void> => {
					try {
						if (closed || !(await sweepLock.tryAcquire('usage-prune', 2 * 3_600_000))) return;
						await budgets.prune().catch((error: unknown) => host.logger.warn(`[ml-suite] pruning past budget counters failed: ${(error as Error).message}`));
						const deleted = await pruneUsage(db, new Date(Date.now() - config.ML_USAGE_RETENTION_DAYS * 86_400_000));
						if (deleted > 0) host.logger.info(`[ml-suite] usage retention: deleted ${deleted} ml_usage rows older than ${config.ML_USAGE_RETENTION_DAYS} days (hourly rollups kept)`);
					} catch (error) {
						host.logger.warn(`[ml-suite] usage retention pruning failed: ${(error as Error).message}`);
					}
				};
				// Hourly: rows are pruned by whole hours, and one process holds the lease for two.
				pruneTimer = setInterval(() => void prune(), 3_600_000);
				pruneTimer.unref();
				void prune();
			}
		},
		rateLimiter() {
			if (!rateLimiter) {
				const choice = chooseQueueBackend(config, host.env);
				rateLimiter = createUserRateLimiter({
					points: config.ML_RATE_LIMIT_REQUESTS,
					windowSeconds: config.ML_RATE_LIMIT_WINDOW_SECONDS,
					redisUrl: choice.options.backend === 'bullmq' ? choice.options.redisUrl : undefined,
					keyPrefix: `${config.ML_QUEUE_PREFIX}:rate`,
				});
			}
			return rateLimiter;
		},
		async close() {
			if (closed) return;
			closed = true;
			await rateLimiter?.close();
			if (reconcileTimer) clearInterval(reconcileTimer);
			if (pruneTimer) clearInterval(pruneTimer);
			depthSampler?.stop();
			await changes.close().catch(() => undefined);
			await sweepLock.release('reconcile').catch(() => undefined);
			await sweepLock.release('queue-depth').catch(() => undefined);
			await queue.close({ timeoutMs: 25_000 }).catch((error: unknown) => host.logger.warn(`[ml-suite] closing the queue: ${(error as Error).message}`));
			await usage.close().catch(() => undefined);
			await budgets.close().catch(() => undefined);
			await databaseCache.close();
			await stores.close();
		},
	};
	return container;
}

