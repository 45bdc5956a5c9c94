import { z } from 'zod';

/**
 * Every `ML_*` setting, parsed once (by `api/container.ts`) from the environment Directus
 * hands to extensions. Each has a default that serves the embedded setup: local provider,
 * embedded vectors, inline queue. Directus casts env values ("true" → true, "5" → 5), so
 * the schemas accept strings, numbers and booleans alike.
 */
const bool = z.preprocess((v) => {
	if (typeof v === 'string') {
		const s = v.trim().toLowerCase();
		if (['true', '1', 'yes', 'on'].includes(s)) return true;
		if (['false', '0', 'no', 'off', ''].includes(s)) return false;
	}
	if (typeof v === 'number') return v !== 0;
	return v;
}, z.boolean());

const int = (min: number, max: number) =>
	z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v), z.number().int().min(min).max(max));

const optionalString = z.preprocess(
	(v) => (v === undefined || v === null || (typeof v === 'string' && v.trim() === '') ? undefined : String(v)),
	z.string().optional(),
);

const url = z.preprocess(
	(v) => (v === undefined || v === null || (typeof v === 'string' && v.trim() === '') ? undefined : String(v)),
	z.url().optional(),
);

/** Comma-separated list ("A, B" → ["A", "B"]); unset or empty → the default. */
const csvList = (fallback: readonly string[]) =>
	z.preprocess(
		(v) => (v === undefined || v === null || (typeof v === 'string' && v.trim() === '') ? undefined : Array.isArray(v) ? v.map(String) : String(v).split(',')),
		z
			.array(z.string())
			.transform((list) => list.map((s) => s.trim()).filter((s) => s.length > 0))
			.default([...fallback]),
	);

const envVarName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name (A-Z, 0-9, _)');

/** Settings and their defaults. The README's configuration table mirrors this object. */
export const configShape = {
	/** Embedding provider for the default embedding model. */
	ML_EMBEDDING_PROVIDER: z.enum(['local', 'openai', 'openai-compatible']).default('local'),
	/** Model id of the default embedding model. */
	ML_EMBEDDING_MODEL: z.string().min(1).default('local-hash-384'),
	/** Dimensions of the default embedding model (local: any 32..4096; remote: what the model returns). */
	ML_EMBEDDING_DIMENSIONS: int(8, 8192).default(384),
	/** Base URL for `openai-compatible` embeddings (Ollama, vLLM, LM Studio, LocalAI). */
	ML_EMBEDDING_BASE_URL: url,
	/** Name of the env variable holding the embedding API key. */
	ML_EMBEDDING_API_KEY_ENV: envVarName.default('OPENAI_API_KEY'),
	/** Chat provider for generation and RAG; `none` = extractive RAG only. */
	ML_CHAT_PROVIDER: z.enum(['none', 'openai', 'openai-compatible']).default('none'),
	/** Model id of the default chat model. */
	ML_CHAT_MODEL: z.string().min(1).default('gpt-4o-mini'),
	ML_CHAT_BASE_URL: url,
	ML_CHAT_API_KEY_ENV: envVarName.default('OPENAI_API_KEY'),
	/** Default speech-to-text model: `none` (transcription answers 503 until one is set), `openai` or `openai-compatible` (a Whisper server). */
	ML_TRANSCRIPTION_PROVIDER: z.enum(['none', 'openai', 'openai-compatible']).default('none'),
	/** Model id: `whisper-1`, `gpt-4o-transcribe`, `gpt-4o-mini-transcribe`, or the server's (e.g. `Systran/faster-whisper-small`). */
	ML_TRANSCRIPTION_MODEL: z.string().min(1).default('whisper-1'),
	/** Base URL (with `/v1`) of an openai-compatible transcription server. */
	ML_TRANSCRIPTION_BASE_URL: url,
	ML_TRANSCRIPTION_API_KEY_ENV: envVarName.default('OPENAI_API_KEY'),
	/** Longest audio accepted, in seconds. */
	ML_TRANSCRIPTION_MAX_DURATION_SECONDS: int(1, 86_400).default(4 * 3600),
	/** Largest file accepted for transcription, in MB. */
	ML_TRANSCRIPTION_MAX_FILE_MB: int(1, 100_000).default(1024),
	/** Largest decoded upload accepted by `POST /ml/transcription/audio/base64`, in MB (Directus's MAX_PAYLOAD_SIZE also applies). */
	ML_TRANSCRIPTION_BASE64_MAX_MB: int(1, 1024).default(10),
	/** Longest piece sent to the provider in one request, in seconds (also bounded by the provider's 25 MB upload limit). */
	ML_TRANSCRIPTION_PIECE_SECONDS: int(10, 3600).default(600),
	/** Seconds neighbouring pieces share, so words cut at a piece's edge are heard whole by the other piece. */
	ML_TRANSCRIPTION_OVERLAP_SECONDS: int(0, 60).default(4),
	/** Transcribe uploaded audio/video automatically through the queue (when a transcription model is configured). */
	ML_TRANSCRIPTION_AUTO: bool.default(true),
	/** MIME types transcribed on upload (`audio/*`, `video/mp4`, comma-separated). */
	ML_TRANSCRIPTION_AUTO_MIME_TYPES: csvList(['audio/*', 'video/*']),
	/** Folder ids whose uploads are transcribed (comma-separated); empty = every folder. */
	ML_TRANSCRIPTION_AUTO_FOLDERS: csvList([]),
	/** Largest upload transcribed automatically, in MB. */
	ML_TRANSCRIPTION_AUTO_MAX_MB: int(1, 100_000).default(500),
	/**
	 * A transcript still `queued` or `processing` this many seconds after its last update was left
	 * by a worker that stopped (a live one updates the row at every piece): the reconcile sweep
	 * queues it again, or marks it failed after ML_TRANSCRIPTION_STUCK_MAX_ATTEMPTS.
	 */
	ML_TRANSCRIPTION_STUCK_SECONDS: int(1, 604_800).default(1800),
	/** Processing attempts after which a stuck transcript is marked failed instead of queued again. */
	ML_TRANSCRIPTION_STUCK_MAX_ATTEMPTS: int(1, 100).default(3),
	/** ffmpeg binary; default: the `@ffmpeg-installer/linux-x64` package's, else `ffmpeg` on PATH. */
	ML_FFMPEG_PATH: optionalString,
	/**
	 * Key variables a `ml_models` row may name in `api_key_env` (comma-separated; `*` matches
	 * A-Z, 0-9 and _). ML_EMBEDDING_API_KEY_ENV and ML_CHAT_API_KEY_ENV are always allowed.
	 */
	ML_ALLOWED_KEY_ENVS: csvList(['OPENAI_API_KEY', 'ML_*_API_KEY']),
	/** Hosts a `ml_models` row's `base_url` may use (comma-separated, `*.example.com`, `host:port`); empty = any http(s) host. */
	ML_ALLOWED_BASE_URL_HOSTS: csvList([]),
	/** Per-attempt provider timeout for background jobs (the patient budget). */
	ML_PROVIDER_TIMEOUT_MS: int(100, 600_000).default(60_000),
	/** Retries for 408/409/429/5xx and network errors in background jobs (exponential backoff with jitter, honours retry-after). */
	ML_PROVIDER_MAX_RETRIES: int(0, 10).default(4),
	/** Per-attempt provider timeout while a person waits on an /ml request (search, ask, generation, embeddings). */
	ML_INTERACTIVE_TIMEOUT_MS: int(100, 600_000).default(10_000),
	/** Provider retries within an /ml request. */
	ML_INTERACTIVE_MAX_RETRIES: int(0, 10).default(1),
	/** Consecutive provider outages (timeouts, unreachable, 5xx) that open a provider's circuit breaker. */
	ML_CIRCUIT_FAILURE_THRESHOLD: int(1, 1000).default(5),
	/** How long an open circuit pauses calls to that provider (jobs wait in the delayed set; requests get 503). */
	ML_CIRCUIT_COOLDOWN_MS: int(1000, 3_600_000).default(30_000),
	/** Items that failed temporarily are requeued automatically (on provider recovery, and by the sweep) until they have failed this often. */
	ML_FAILED_RETRY_MAX_ATTEMPTS: int(0, 10_000).default(25),
	/** The sweep requeues temporarily failed items untouched for this long (recovery of a provider requeues them at once). */
	ML_FAILED_RETRY_AFTER_SECONDS: int(0, 86_400).default(300),
	/** Overall time an /ml request may wait on providers before answering 504 (until a stream's first event); 0 = none. */
	ML_INTERACTIVE_DEADLINE_MS: int(0, 600_000).default(15_000),
	/**
	 * Per-user limit on the /ml routes that call models (POST routes open to non-admin users):
	 * requests per ML_RATE_LIMIT_WINDOW_SECONDS, counted in the queue's Redis when there is one
	 * (shared by every instance), else per process. 0 = off. Administrators are not limited.
	 */
	ML_RATE_LIMIT_REQUESTS: int(0, 1_000_000).default(120),
	ML_RATE_LIMIT_WINDOW_SECONDS: int(1, 86_400).default(60),
	/** Trained versions kept per classifier after each run: the newest N plus the active one (older ones are deleted). */
	ML_CLASSIFIER_KEEP_VERSIONS: int(1, 1000).default(10),
	/**
	 * Heap limit (MB) of the worker thread a classifier trains in; a run that needs more fails
	 * with a message naming this variable instead of growing the server process.
	 */
	ML_CLASSIFIER_THREAD_MEMORY_MB: int(64, 16_384).default(1024),
	/** Vector store: `embedded` (Directus DB), `pgvector` or `qdrant`. */
	ML_VECTOR_STORE: z.enum(['embedded', 'pgvector', 'qdrant']).default('embedded'),
	/** PostgreSQL URL with the pgvector extension; defaults to the Directus database when it is PostgreSQL. */
	ML_PGVECTOR_URL: optionalString,
	ML_QDRANT_URL: url,
	ML_QDRANT_API_KEY_ENV: envVarName.default('QDRANT_API_KEY'),
	/** Queue backend; `auto` = BullMQ when Redis is configured, otherwise inline. */
	ML_QUEUE: z.enum(['auto', 'inline', 'bullmq']).default('auto'),
	/** Redis for the queue; defaults to Directus's own `REDIS` setting. */
	ML_REDIS_URL: optionalString,
	/** Key prefix for BullMQ queues (separates suites sharing a Redis). */
	ML_QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]+$/).default('ml'),
	/**
	 * BullMQ job lock duration and stalled-job check interval. A worker that dies mid-job has its
	 * job picked up again within about twice this time; shorter = faster recovery, more Redis traffic.
	 */
	ML_QUEUE_LOCK_MS: int(1_000, 600_000).default(30_000),
	/** Most jobs per minute each worker starts on the queues that call providers (indexing, enrichment, transcription); 0 = no limit. */
	ML_QUEUE_RATE_LIMIT_PER_MINUTE: int(0, 1_000_000).default(0),
	/** Run queue workers inside Directus. Turn off when using `npm run worker`. */
	ML_WORKERS_IN_PROCESS: bool.default(true),
	/** Concurrent jobs per worker per queue. */
	ML_WORKER_CONCURRENCY: int(1, 64).default(2),
	/** Seconds between samples of every queue's depth (the Usage module's queue depth chart). 0 = no sampling. */
	ML_QUEUE_DEPTH_SAMPLE_SECONDS: int(0, 3_600).default(60),
	/** Days queue depth samples are kept. */
	ML_QUEUE_DEPTH_RETENTION_DAYS: int(1, 3_660).default(30),
	/** Seconds between reconcile sweeps that requeue pending/stale documents. 0 = only at start-up. */
	ML_RECONCILE_INTERVAL_SECONDS: int(0, 86_400).default(60),
	/**
	 * Save hooks gather changed items for this long, then mark them pending and enqueue them as
	 * one job per ~500 items (a batch create emits one event per item). 0 = one write and one job per save event.
	 */
	ML_INDEXING_BATCH_WINDOW_MS: int(0, 10_000).default(100),
	/**
	 * Background indexing in this process (index and reindex jobs) starts, and writes, only after
	 * item saves have paused this long, so a batch save or an import is never slowed by its own
	 * indexing. 0 = never wait.
	 */
	ML_INDEXING_QUIET_MS: int(0, 60_000).default(500),
	/** Longest background indexing waits for saves to pause (so a constant stream of saves cannot starve it). */
	ML_INDEXING_MAX_DEFER_MS: int(0, 600_000).default(15_000),
	/** Indexed documents per index compared with their live item at each sweep (their hashes); 0 = off. */
	ML_RECONCILE_VERIFY_BATCH: int(0, 100_000).default(500),
	/** Default chunk size (characters) for new indexes. */
	ML_CHUNK_SIZE: int(100, 20_000).default(1000),
	/** Default chunk overlap (characters) for new indexes. */
	ML_CHUNK_OVERLAP: int(0, 5_000).default(150),
	/**
	 * Language of the keyword engine: a PostgreSQL text search configuration (`english`,
	 * `german`, `french`, `simple`, … stemming and stop words), on SQLite `english` (Porter
	 * stemming, stop words) or anything else for accent and case folding only.
	 */
	ML_FULLTEXT_LANGUAGE: z.string().regex(/^[a-z_]+$/, 'must be a text search configuration name such as english or simple').default('english'),
	/**
	 * Optional reranker speaking the common `POST /rerank` format (Cohere, Jina, vLLM, Infinity,
	 * Hugging Face TEI): its base URL (`/rerank` is appended) and model name. Unset: no reranking.
	 */
	ML_RERANK_BASE_URL: url,
	ML_RERANK_MODEL: optionalString,
	/** Env variable holding the reranker's bearer token, if it needs one. */
	ML_RERANK_API_KEY_ENV: envVarName.optional(),
	/** Hits reranked per search (the first N of the fused list). */
	ML_RERANK_DEPTH: int(1, 200).default(30),
	/** Index names reranked by default (comma-separated, `*` = all); a request's `rerank` overrides. */
	ML_RERANK_INDEXES: z.string().default(''),
	/** Most texts accepted by batch routes. */
	ML_MAX_BATCH_INPUTS: int(1, 2048).default(100),
	/**
	 * Budget counters (Redis or database): a call that finds its process's allowance spent takes a
	 * lease of this many times its amount (at most 1/16 of the budget's room left) in one atomic
	 * step; later calls spend it without a round trip. 0 = one counter step per budget per call.
	 */
	ML_BUDGET_LEASE_CALLS: int(0, 100_000).default(50),
	/** Usage rows are written in batches at this interval. */
	ML_USAGE_FLUSH_MS: int(100, 60_000).default(2000),
	/** Days raw `ml_usage` rows are kept (hourly rollups are kept forever); 0 = keep raw rows forever. */
	ML_USAGE_RETENTION_DAYS: int(0, 36_500).default(90),
	/** Seed the demo `articles` and `tasks` collections on first start. */
	ML_SEED_DEMO: bool.default(true),
	/** Apply the suite's schema (ml_* collections) at start-up. */
	ML_APPLY_SCHEMA: bool.default(true),
	/** Engine for analyses that name none: `local` (offline NLP), `llm` (the default chat model), `auto` (llm when a chat model is configured). */
	ML_ANALYSIS_ENGINE: z.enum(['local', 'llm', 'auto']).default('local'),
	/** Longest text (characters) the analysis routes, operations and pipelines accept. */
	ML_ANALYSIS_MAX_CHARS: int(100, 2_000_000).default(100_000),
	/** Most categories one classification may name. */
	ML_ANALYSIS_MAX_CATEGORIES: int(2, 500).default(50),
} as const;

export const configSchema = z.object(configShape);
export type MlConfig = z.infer<typeof configSchema>;
export type ConfigKey = keyof typeof configShape;

export interface ConfigIssue {
	variable: string;
	value: string;
	message: string;
}

export interface ConfigResult {
	config: MlConfig;
	/** Invalid values that were replaced by their defaults. Reported at start-up and by /ml/health. */
	issues: ConfigIssue[];
}

/**
 * Parses the `ML_*` settings. An invalid value never stops Directus: it is reported (variable,
 * value, what is accepted) and the default is used instead.
 */
export function parseConfig(env: Record<string, unknown>): ConfigResult {
	const issues: ConfigIssue[] = [];
	const values: Record<string, unknown> = {};
	for (const [key, schema] of Object.entries(configShape) as [ConfigKey, z.ZodType][]) {
		const raw = env[key];
		const parsed = schema.safeParse(raw);
		if (parsed.success) {
			values[key] = parsed.data;
			continue;
		}
		const message = parsed.error.issues.map((issue) => issue.message).join('; ');
		issues.push({ variable: key, value: redact(key, raw), message });
		values[key] = schema.parse(undefined);
	}
	return { config: configSchema.parse(values), issues };
}

function redact(key: string, value: unknown): string {
	if (/KEY|SECRET|PASSWORD|TOKEN/.test(key) && !key.endsWith('_ENV')) return '[redacted]';
	return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Config as shown by /ml/health: no secrets (only names of key variables). */
export function publicConfig(config: MlConfig): Record<string, unknown> {
	const { ML_REDIS_URL, ML_PGVECTOR_URL, ...rest } = config;
	return { ...rest, ML_REDIS_URL: ML_REDIS_URL ? stripCredentials(ML_REDIS_URL) : undefined, ML_PGVECTOR_URL: ML_PGVECTOR_URL ? stripCredentials(ML_PGVECTOR_URL) : undefined };
}

function stripCredentials(value: string): string {
	try {
		const parsed = new URL(value);
		parsed.username = parsed.username ? '***' : '';
		parsed.password = parsed.password ? '***' : '';
		return parsed.toString();
	} catch {
		return '[unparseable]';
	}
}
