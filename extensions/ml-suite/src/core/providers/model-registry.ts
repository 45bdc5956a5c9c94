import { randomUUID } from 'node:crypto';
import { guardChatModel, guardEmbeddingModel, guardTranscriptionModel } from './guarded-models.js';
import type { ProviderCallGuard } from './provider-call-guard.js';
import type { Knex } from 'knex';
import type { MlConfig } from '../config.js';
import { InvalidPayloadError, NotConfiguredError, NotFoundError } from '../errors.js';
import { createChatModel, createEmbeddingModel, createTranscriptionModel, type ModelFactoryDeps } from './create-model.js';
import type { TranscriptionModel } from '../transcription/types.js';
import type { ChatModel, EmbeddingModel, ModelDefinition } from './types.js';

export interface ModelRegistryOptions {
	/** Database holding `ml_models` (the Directus database). */
	knex: Knex;
	/** Table name. Default: `ml_models`. */
	table?: string;
	/** Secrets, timeouts and retries for the models the registry builds. */
	factory: ModelFactoryDeps;
	/**
	 * Asked before every call of every model the registry builds (budgets), so no route, flow or
	 * job can call a provider around it. Default: none.
	 */
	guard?: ProviderCallGuard;
}

/** A `ml_models` row as stored. Numeric columns may come back as strings (PostgreSQL numerics), booleans as 0/1 (SQLite). */
export interface ModelRow {
	id: string;
	name: string;
	provider: string;
	task: string;
	model_id: string;
	base_url: string | null;
	api_key_env: string | null;
	dimensions: number | string | null;
	max_input_tokens: number | string | null;
	max_batch_size: number | string | null;
	context_window: number | string | null;
	/** Request caps (absent on databases whose schema predates them). */
	max_output_tokens?: number | string | null;
	max_request_inputs?: number | string | null;
	max_input_chars?: number | string | null;
	input_price_per_million: number | string | null;
	output_price_per_million: number | string | null;
	/** Absent in databases whose schema predates transcription. */
	audio_price_per_minute?: number | string | null;
	is_default: boolean | number | null;
	status: string | null;
	description: string | null;
	sort: number | null;
	date_created: Date | string | null;
	date_updated: Date | string | null;
}

type Task = ModelDefinition['task'];

/** USD per 1M tokens [input, output] for OpenAI models the suite seeds; admins edit prices in ml_models. */
const KNOWN_PRICES: Record<string, [number, number]> = {
	'text-embedding-3-small': [0.02, 0],
	'text-embedding-3-large': [0.13, 0],
	'text-embedding-ada-002': [0.1, 0],
	'gpt-4o-mini': [0.15, 0.6],
	'gpt-4o': [2.5, 10],
};

/** USD per minute of audio for OpenAI's transcription models. */
const KNOWN_AUDIO_PRICES: Record<string, number> = {
	'whisper-1': 0.006,
	'gpt-4o-transcribe': 0.006,
	'gpt-4o-mini-transcribe': 0.003,
};

/**
 * The model registry over `ml_models`: definitions for the admin app and the models built from
 * them. Definitions and model instances are cached until `invalidate()` (call it after a write
 * to `ml_models`).
 */
export class ModelRegistry {
	private readonly knex: Knex;
	private readonly table: string;
	private definitions: Promise<ModelDefinition[]> | undefined;
	private readonly embeddingModels = new Map<string, EmbeddingModel>();
	private readonly chatModels = new Map<string, ChatModel>();
	private readonly transcriptionModels = new Map<string, TranscriptionModel>();

	constructor(private readonly options: ModelRegistryOptions) {
		this.knex = options.knex;
		this.table = options.table ?? 'ml_models';
	}

	/** Forgets cached rows and model instances. */
	invalidate(): void {
		this.definitions = undefined;
		this.embeddingModels.clear();
		this.chatModels.clear();
		this.transcriptionModels.clear();
	}

	/** Active and disabled models, optionally of one task, by `sort` then name. Rows with an unknown provider or task are left out. */
	async list(task?: Task): Promise<ModelDefinition[]> {
		const all = await this.load();
		return task ? all.filter((d) => d.task === task) : all;
	}

	/** A model by row id, or else by provider model id. Throws `NotFoundError`. */
	async get(idOrModelId: string): Promise<ModelDefinition> {
		const all = await this.load();
		const found = all.find((d) => d.id === idOrModelId) ?? all.find((d) => d.modelId === idOrModelId && d.status === 'active') ?? all.find((d) => d.modelId === idOrModelId);
		if (!found) throw new NotFoundError(`Model "${idOrModelId}" does not exist in ${this.table}.`, { model: idOrModelId });
		return found;
	}

	/** The active default model for a task. Throws `NotConfiguredError` saying what to set when there is none. */
	async getDefault(task: Task): Promise<ModelDefinition> {
		const candidates = (await this.list(task)).filter((d) => d.status === 'active');
		const found = candidates.find((d) => d.isDefault);
		if (found) return found;
		if (task === 'chat') {
			throw new NotConfiguredError(
				'No chat model is configured. Set ML_CHAT_PROVIDER (openai or openai-compatible), ML_CHAT_MODEL and the API key variable named by ML_CHAT_API_KEY_ENV (default OPENAI_API_KEY), or mark an active chat model as default in Content → ML suite → Models.',
				{ task, variables: ['ML_CHAT_PROVIDER', 'ML_CHAT_MODEL', 'ML_CHAT_API_KEY_ENV'] },
			);
		}
		if (task === 'transcription') {
			throw new NotConfiguredError(
				'No transcription model is configured. Set ML_TRANSCRIPTION_PROVIDER (openai or openai-compatible), ML_TRANSCRIPTION_MODEL (e.g. whisper-1), ML_TRANSCRIPTION_BASE_URL for a Whisper server, and the API key variable named by ML_TRANSCRIPTION_API_KEY_ENV (default OPENAI_API_KEY); or mark an active transcription model as default in Content → ML suite → Models.',
				{ task, variables: ['ML_TRANSCRIPTION_PROVIDER', 'ML_TRANSCRIPTION_MODEL', 'ML_TRANSCRIPTION_BASE_URL', 'ML_TRANSCRIPTION_API_KEY_ENV'] },
			);
		}
		throw new NotConfiguredError(`No default ${task} model is configured. Mark an active ${task} model as default in Content → ML suite → Models${task === 'embedding' ? ', or set ML_EMBEDDING_PROVIDER and ML_EMBEDDING_MODEL' : ''}.`, {
			task,
		});
	}

	/** The embedding model for `idOrModelId`, or the default one; built once and reused. */
	embeddingModel(idOrModelId?: string): Promise<{ definition: ModelDefinition; model: EmbeddingModel }> {
		return this.built('embedding', idOrModelId, this.embeddingModels, createEmbeddingModel, guardEmbeddingModel);
	}

	/** The chat model for `idOrModelId`, or the default one; built once and reused. */
	chatModel(idOrModelId?: string): Promise<{ definition: ModelDefinition; model: ChatModel }> {
		return this.built('chat', idOrModelId, this.chatModels, createChatModel, guardChatModel);
	}

	/** The transcription model for `idOrModelId`, or the default one; built once and reused. */
	transcriptionModel(idOrModelId?: string): Promise<{ definition: ModelDefinition; model: TranscriptionModel }> {
		return this.built('transcription', idOrModelId, this.transcriptionModels, createTranscriptionModel, guardTranscriptionModel);
	}

	/** The model of `task` a definition describes, built (and guarded) on first use and kept per row id. */
	private async built<M>(
		task: Task,
		idOrModelId: string | undefined,
		cache: Map<string, M>,
		create: (definition: ModelDefinition, deps: ModelFactoryDeps) => M,
		guard: (model: M, definition: ModelDefinition, guard: ProviderCallGuard) => M,
	): Promise<{ definition: ModelDefinition; model: M }> {
		const definition = await this.resolve(task, idOrModelId);
		let model = cache.get(definition.id);
		if (!model) {
			model = create(definition, this.options.factory);
			if (this.options.guard) model = guard(model, definition, this.options.guard);
			cache.set(definition.id, model);
		}
		return { definition, model };
	}

	/**
	 * The chat model for `idOrModelId`, or the default one; `null` when no chat model is
	 * configured at all (callers then answer extractively or say what to configure). An unknown
	 * `idOrModelId` still throws NotFoundError.
	 */
	async getChatModel(idOrModelId?: string): Promise<ChatModel | null> {
		try {
			return (await this.chatModel(idOrModelId)).model;
		} catch (error) {
			if (error instanceof NotConfiguredError && !idOrModelId) return null;
			throw error;
		}
	}

	/**
	 * Inserts the env-configured default models (ML_EMBEDDING_*, and ML_CHAT_* unless the provider
	 * is `none`) for each task that has no default yet and no row for the same model. Rows that
	 * exist are never changed, so admin edits win; a second call inserts nothing. Returns the ids
	 * of the rows it created.
	 */
	async seedFromConfig(config: MlConfig): Promise<string[]> {
		type Seed = Omit<ModelRow, 'id' | 'date_created' | 'date_updated' | 'sort'>;
		/** A default row for `task` from its ML_<TASK>_* settings; the overrides say what differs by task. */
		const seed = (task: Task, modelId: string, provider: ModelRow['provider'], connection: Pick<Seed, 'base_url' | 'api_key_env'>, overrides: Partial<Seed>): Seed => ({
			name: `Default ${task === 'embedding' ? 'embeddings' : task} (${modelId})`,
			provider,
			task,
			model_id: modelId,
			...connection,
			dimensions: null,
			max_input_tokens: null,
			max_batch_size: null,
			context_window: null,
			input_price_per_million: KNOWN_PRICES[modelId]?.[0] ?? 0,
			output_price_per_million: 0,
			is_default: true,
			status: 'active',
			description: `Created from the ML_${task.toUpperCase()}_* settings at first start. Edit freely: it is not overwritten.`,
			...overrides,
		});
		const embeddingLocal = config.ML_EMBEDDING_PROVIDER === 'local';
		const seeds: Seed[] = [
			seed(
				'embedding',
				config.ML_EMBEDDING_MODEL,
				config.ML_EMBEDDING_PROVIDER,
				{ base_url: embeddingLocal ? null : (config.ML_EMBEDDING_BASE_URL ?? null), api_key_env: embeddingLocal ? null : config.ML_EMBEDDING_API_KEY_ENV },
				{ dimensions: config.ML_EMBEDDING_DIMENSIONS, max_input_tokens: embeddingLocal ? 8192 : null },
			),
		];
		if (config.ML_CHAT_PROVIDER !== 'none') {
			const connection = { base_url: config.ML_CHAT_BASE_URL ?? null, api_key_env: config.ML_CHAT_API_KEY_ENV };
			seeds.push(seed('chat', config.ML_CHAT_MODEL, config.ML_CHAT_PROVIDER, connection, { output_price_per_million: KNOWN_PRICES[config.ML_CHAT_MODEL]?.[1] ?? 0 }));
		}
		if (config.ML_TRANSCRIPTION_PROVIDER !== 'none') {
			const connection = { base_url: config.ML_TRANSCRIPTION_BASE_URL ?? null, api_key_env: config.ML_TRANSCRIPTION_API_KEY_ENV };
			const prices = { input_price_per_million: 0, audio_price_per_minute: KNOWN_AUDIO_PRICES[config.ML_TRANSCRIPTION_MODEL] ?? 0 };
			seeds.push(seed('transcription', config.ML_TRANSCRIPTION_MODEL, config.ML_TRANSCRIPTION_PROVIDER, connection, prices));
		}
		const created: string[] = [];
		await this.knex.transaction(async (trx) => {
			for (const seed of seeds) {
				const hasDefault = await trx(this.table).where({ task: seed.task, is_default: true }).first('id');
				if (hasDefault) continue;
				const sameModel = await trx(this.table).where({ task: seed.task, provider: seed.provider, model_id: seed.model_id }).first('id');
				if (sameModel) continue;
				const id = randomUUID();
				await trx(this.table).insert({ ...seed, id, sort: null, date_created: new Date(), date_updated: null });
				created.push(id);
			}
		});
		if (created.length > 0) this.invalidate();
		return created;
	}

	private async resolve(task: Task, idOrModelId: string | undefined): Promise<ModelDefinition> {
		const definition = idOrModelId ? await this.get(idOrModelId) : await this.getDefault(task);
		if (definition.task !== task) {
			throw new InvalidPayloadError(`Model "${idOrModelId}" is a ${definition.task} model; a ${task} model is needed here.`, { model: idOrModelId });
		}
		if (definition.status !== 'active') {
			throw new InvalidPayloadError(`Model "${definition.name}" is disabled. Activate it in Content → ML suite → Models or pick another model.`, { model: definition.id });
		}
		return definition;
	}

	private load(): Promise<ModelDefinition[]> {
		this.definitions ??= (async () => {
			const rows: ModelRow[] = await this.knex(this.table).select('*').orderBy([{ column: 'sort', order: 'asc' }, { column: 'name', order: 'asc' }]);
			return rows.flatMap((row) => {
				const definition = toDefinition(row);
				return definition ? [definition] : [];
			});
		})().catch((error: unknown) => {
			this.definitions = undefined;
			throw error;
		});
		return this.definitions;
	}
}

const PROVIDERS = new Set<string>(['local', 'openai', 'openai-compatible']);
const TASKS = new Set<string>(['embedding', 'chat', 'transcription', 'classification']);

/** Maps a row to a definition, or null when its provider or task is unknown. */
export function toDefinition(row: ModelRow): ModelDefinition | null {
	if (!PROVIDERS.has(row.provider) || !TASKS.has(row.task)) return null;
	return {
		id: String(row.id),
		name: row.name,
		provider: row.provider as ModelDefinition['provider'],
		task: row.task as ModelDefinition['task'],
		modelId: row.model_id,
		baseUrl: row.base_url || null,
		apiKeyEnv: row.api_key_env || null,
		dimensions: toInt(row.dimensions),
		maxInputTokens: toInt(row.max_input_tokens),
		maxBatchSize: toInt(row.max_batch_size),
		contextWindow: toInt(row.context_window),
		maxOutputTokens: toInt(row.max_output_tokens),
		maxRequestInputs: toInt(row.max_request_inputs),
		maxInputChars: toInt(row.max_input_chars),
		inputPricePerMillion: toNumber(row.input_price_per_million) ?? 0,
		outputPricePerMillion: toNumber(row.output_price_per_million) ?? 0,
		audioPricePerMinute: toNumber(row.audio_price_per_minute) ?? 0,
		isDefault: row.is_default === true || row.is_default === 1,
		status: row.status === 'active' ? 'active' : 'disabled',
	};
}

function toNumber(value: number | string | null | undefined): number | null {
	if (value === null || value === undefined || value === '') return null;
	const n = Number(value);
	return Number.isFinite(n) ? n : null;
}

function toInt(value: number | string | null | undefined): number | null {
	const n = toNumber(value);
	return n === null || n <= 0 ? null : Math.floor(n);
}
