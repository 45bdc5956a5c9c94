import type { MlConfig } from '../core/config.js';
import type { IndexRepository } from '../core/indexing/index-repository.js';
import type { Queue } from '../core/jobs/types.js';
import type { ModelRegistry } from '../core/providers/model-registry.js';
import type { EmbeddingModel } from '../core/providers/types.js';
import type { HostContext } from './container-types.js';
import type { DirectusAiSettingsSource } from './directus-ai-settings-source.js';
import { checkDirectus } from './directus-health.js';
import type { DirectusRuntime } from './directus-runtime.js';
import type { QueueWiring } from './queue-wiring.js';
import type { TranscriptionWiring } from './transcription-wiring.js';

export interface HealthCheck {
	name: string;
	/** Required checks make /ml/health/ready fail; optional ones only degrade /ml/health. */
	required: boolean;
	check(): Promise<{ ok: boolean; message?: string; details?: Record<string, unknown> }>;
}

export interface HealthCheckDeps {
	config: MlConfig;
	host: HostContext;
	directus: DirectusRuntime;
	indexes: IndexRepository;
	queue: Queue;
	queueWiring: Pick<QueueWiring, 'reason' | 'warning'>;
	/** The vector stores' own checks. */
	storeChecks: HealthCheck[];
	embeddingModel(modelId: null): Promise<{ model: EmbeddingModel }>;
	transcription: Pick<TranscriptionWiring, 'ffmpeg'>;
	models: Pick<ModelRegistry, 'transcriptionModel' | 'chatModel' | 'getChatModel'>;
	aiSettings: Pick<DirectusAiSettingsSource, 'describe'>;
}

/** What /ml/health and /ml/health/ready check, in the order they report it. */
export function buildHealthChecks(deps: HealthCheckDeps): HealthCheck[] {
	const { config, host, queue, models } = deps;
	const db = host.database;
	return [
		{
			name: 'directus',
			required: false,
			check: () => checkDirectus(host, deps.directus, deps.indexes),
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
				const { reason, warning } = deps.queueWiring;
				return {
					...health,
					details: { backend: queue.backend, reason, workersInProcess: config.ML_WORKERS_IN_PROCESS || queue.backend === 'inline', ...(warning ? { warning } : {}) },
				};
			},
		},
		...deps.storeChecks,
		{
			name: 'embeddings',
			required: true,
			async check() {
				const { model } = await deps.embeddingModel(null);
				return { ok: true, message: `${model.provider}/${model.modelId}`, details: { dimensions: model.dimensions } };
			},
		},
		{
			name: 'transcription',
			required: false,
			async check() {
				// Not configured is a valid state (uploads are not blocked); it is reported, not failed.
				const ffmpeg = deps.transcription.ffmpeg;
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
				const details = { directusAiSettings: deps.aiSettings.describe() };
				// With ML_CHAT_PROVIDER=none a default chat model may still come from the registry (e.g. one offered by Directus's AI settings).
				const model = config.ML_CHAT_PROVIDER === 'none' ? await models.getChatModel() : (await models.chatModel()).model;
				if (!model) return { ok: true, message: 'not configured (RAG answers extractively)', details };
				return { ok: true, message: `${model.provider}/${model.modelId}`, details };
			},
		},
	];
}
