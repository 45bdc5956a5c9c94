import { InvalidPayloadError, NotConfiguredError } from '../errors.js';
import { LocalEmbeddingModel } from './local-embedding-model.js';
import type { ModelEndpointPolicy } from './model-endpoint-policy.js';
import type { CircuitBreakers } from './circuit-breaker.js';
import type { OpenAIConnectionOptions, SecretResolver } from './openai-client.js';
import { OpenAIChatModel } from './openai-chat-model.js';
import { OpenAIEmbeddingModel } from './openai-embedding-model.js';
import type { ChatModel, EmbeddingModel, ModelDefinition } from './types.js';
import { OpenAITranscriptionModel } from '../transcription/openai-transcription-model.js';
import type { TranscriptionModel } from '../transcription/types.js';

/** What the model factories need besides the model row. */
export interface ModelFactoryDeps {
	/** Resolves API key variables named by `ModelDefinition.apiKeyEnv`, on first use. */
	resolveSecret: SecretResolver;
	/** Per-request timeout (ML_PROVIDER_TIMEOUT_MS). Default: 60000. */
	timeoutMs?: number;
	/** Retries for retryable failures (ML_PROVIDER_MAX_RETRIES). Default: 4. */
	maxRetries?: number;
	/** Longest retry-after honoured in-process. Default: 60000. */
	maxRetryAfterMs?: number;
	/** Fetch implementation for remote providers. Default: the global `fetch`. */
	fetch?: typeof fetch;
	/**
	 * Which key variables and servers a model may use. Checked again when a model is built, so a
	 * row written around the ml_models hook (raw SQL, an older version) still cannot leak a secret.
	 * Default: no limits.
	 */
	policy?: ModelEndpointPolicy;
	/** Circuit breakers shared by all remote models. Default: none. */
	breakers?: CircuitBreakers;
}

/** The row's provider, once the row is known to describe a model of `task` (else a 400). */
function ofTask(def: ModelDefinition, task: ModelDefinition['task']): ModelDefinition['provider'] {
	if (def.task !== task) {
		throw new InvalidPayloadError(`Model "${def.name}" is a ${def.task} model, not ${task === 'embedding' ? 'an' : 'a'} ${task} model.`, { model: def.id });
	}
	return def.provider;
}

/** Builds the embedding model a `ml_models` row describes. */
export function createEmbeddingModel(def: ModelDefinition, deps: ModelFactoryDeps): EmbeddingModel {
	const provider = ofTask(def, 'embedding');
	switch (provider) {
		case 'local':
			return new LocalEmbeddingModel({
				modelId: def.modelId,
				dimensions: def.dimensions ?? 384,
				...(def.maxInputTokens ? { maxInputTokens: def.maxInputTokens } : {}),
				...(def.maxBatchSize ? { maxBatchSize: def.maxBatchSize } : {}),
			});
		case 'openai':
		case 'openai-compatible':
			return new OpenAIEmbeddingModel({
				...connection(def, provider, deps),
				dimensions: def.dimensions,
				maxBatchSize: def.maxBatchSize,
				maxInputTokens: def.maxInputTokens,
			});
		default:
			return unknownProvider(provider);
	}
}

/** Builds the chat model a `ml_models` row describes. */
export function createChatModel(def: ModelDefinition, deps: ModelFactoryDeps): ChatModel {
	ofTask(def, 'chat');
	return remoteOnly(
		def,
		`There is no local chat model. Point "${def.name}" at an openai or openai-compatible server (e.g. Ollama), or set ML_CHAT_PROVIDER and ML_CHAT_MODEL.`,
		(provider) => new OpenAIChatModel({ ...connection(def, provider, deps), contextWindow: def.contextWindow }),
	);
}

/** Builds the speech-to-text model a `ml_models` row describes (`max_input_tokens` is not used; uploads are capped at 25 MB). */
export function createTranscriptionModel(def: ModelDefinition, deps: ModelFactoryDeps): TranscriptionModel {
	ofTask(def, 'transcription');
	return remoteOnly(
		def,
		`There is no local transcription model (no speech model can be installed from the package registries). Point "${def.name}" at OpenAI or an openai-compatible Whisper server (faster-whisper/speaches, whisper.cpp, LocalAI, vLLM), or set ML_TRANSCRIPTION_PROVIDER, ML_TRANSCRIPTION_MODEL and ML_TRANSCRIPTION_BASE_URL.`,
		(provider) => new OpenAITranscriptionModel(connection(def, provider, deps)),
	);
}

/** A model only remote servers provide: the `local` provider is refused with what to configure instead. */
function remoteOnly<M>(def: ModelDefinition, noLocalModel: string, build: (provider: 'openai' | 'openai-compatible') => M): M {
	const provider = def.provider;
	switch (provider) {
		case 'local':
			throw new NotConfiguredError(noLocalModel, { model: def.id });
		case 'openai':
		case 'openai-compatible':
			return build(provider);
		default:
			return unknownProvider(provider);
	}
}

function connection(def: ModelDefinition, provider: 'openai' | 'openai-compatible', deps: ModelFactoryDeps): OpenAIConnectionOptions {
	const problems = deps.policy?.rowProblems({ api_key_env: def.apiKeyEnv, base_url: def.baseUrl }) ?? [];
	if (problems.length > 0) {
		throw new NotConfiguredError(`Model "${def.name}" cannot be used: ${problems.join('; ')}.`, { model: def.id, problems });
	}
	return {
		provider,
		modelId: def.modelId,
		baseUrl: def.baseUrl,
		apiKeyEnv: def.apiKeyEnv,
		resolveSecret: deps.resolveSecret,
		...(deps.timeoutMs !== undefined ? { timeoutMs: deps.timeoutMs } : {}),
		...(deps.maxRetries !== undefined ? { maxRetries: deps.maxRetries } : {}),
		...(deps.maxRetryAfterMs !== undefined ? { maxRetryAfterMs: deps.maxRetryAfterMs } : {}),
		...(deps.fetch ? { fetch: deps.fetch } : {}),
		...(deps.breakers ? { breakers: deps.breakers } : {}),
	};
}

function unknownProvider(provider: never): never {
	throw new InvalidPayloadError(`Unknown model provider "${String(provider)}".`, { provider: String(provider) });
}
