import type { Accountability } from '@directus/types';
import { InvalidPayloadError, NotFoundError, PayloadTooLargeError } from '../core/errors.js';
import { EvalRepository } from '../core/evaluation/eval-repository.js';
import { EvaluationService, type EvaluationModel } from '../core/evaluation/evaluation-service.js';
import { EmbeddingService } from '../core/embeddings/embedding-service.js';
import type { EmbedResponse } from '../core/embeddings/embedding-service.js';
import type { IndexDefinition } from '../core/indexing/index-definition.js';
import type { IndexRepository } from '../core/indexing/index-repository.js';
import type { IndexingService } from '../core/indexing/indexing-service.js';
import type { Queue } from '../core/jobs/types.js';
import type { ModelRegistry } from '../core/providers/model-registry.js';
import type { CallerAccess } from '../core/search/caller-access.js';
import type { SearchRequest, SearchService } from '../core/search/search-service.js';
import type { CallOrigin } from '../core/usage/types.js';
import type { VectorStore } from '../core/vector-stores/types.js';
import type { HostContext } from './container-types.js';
import type { DirectusItemSource } from './directus-item-source.js';

/** What the evaluation service is built from (parts of the container). */
export interface EvaluationWiringDeps {
	host: HostContext;
	models: ModelRegistry;
	indexes: IndexRepository;
	indexing: IndexingService;
	itemSource: DirectusItemSource;
	search: SearchService;
	queue: Queue;
	storeFor(index: IndexDefinition): VectorStore;
	callerAccess(accountability: Accountability): CallerAccess;
	embedTexts(texts: string[], options: { modelId?: string | null; origin: CallOrigin; signal?: AbortSignal }): Promise<EmbedResponse>;
	/** The rerank stage for a search (see `Container.rerankFor`). */
	rerankFor(indexes: IndexDefinition[], requested: boolean | undefined, origin: CallOrigin): SearchRequest['rerank'];
	/** Name of the configured reranker (ML_RERANK_MODEL), or null. */
	rerankerName: string | null;
}

/** Full read access for evaluation searches: only administrators start runs. */
function evaluator(user: string | null): Accountability {
	return { user, role: null, roles: [], admin: true, app: false, ip: null };
}

/** Builds the relevance-evaluation service over the container's search, models and queue. */
export function buildEvaluation(deps: EvaluationWiringDeps): EvaluationService {
	const describe = async (modelId: string | null): Promise<EvaluationModel> => {
		const { definition, model } = await deps.models.embeddingModel(modelId ?? undefined);
		return {
			id: definition.id,
			key: EmbeddingService.cacheModelKey(model),
			label: `${definition.name} (${model.provider}/${model.modelId}, ${model.dimensions}d)`,
			dimensions: model.dimensions,
		};
	};
	return new EvaluationService({
		repository: new EvalRepository(deps.host.database),
		indexByName: async (name) => {
			deps.indexes.invalidate();
			return deps.indexes.byName(name);
		},
		indexById: (id) => deps.indexes.byId(id),
		resolveModel: describe,
		async rank(request) {
			const hits = await deps.search.search({
				query: request.query,
				indexes: [request.index],
				mode: request.mode as SearchRequest['mode'],
				limit: request.limit,
				...(request.options.fusion ? { fusion: request.options.fusion } : {}),
				// Explicit either way: a run measures exactly the reranker it names (or none).
				rerank: deps.rerankFor([request.index], request.reranker !== null, request.origin),
				filter: null,
				fields: [],
				access: deps.callerAccess(evaluator(request.origin.user)),
				origin: request.origin,
				signal: request.signal,
			});
			return hits.map((hit) => ({ item: hit.item, title: hit.title }));
		},
		async coverage(index) {
			const [counts, items] = await Promise.all([
				deps.indexing.documents.countByStatus(index.id),
				deps.itemSource.count(index.collection, index.filter).catch(() => null),
			]);
			return { indexed: counts.indexed, items };
		},
		candidate: (index, model, origin) => ({
			items: deps.itemSource,
			store: deps.storeFor(index),
			dimensions: model.dimensions,
			embed: async (texts, signal) => (await deps.embedTexts(texts, { modelId: model.id, origin, signal })).embeddings,
		}),
		listIndexes: async () => {
			deps.indexes.invalidate();
			return deps.indexes.list();
		},
		async listModels() {
			const definitions = (await deps.models.list('embedding')).filter((definition) => definition.status === 'active');
			const described = await Promise.all(
				definitions.map(async (definition) => {
					try {
						return { ...(await describe(definition.id)), name: definition.name, status: definition.status, isDefault: definition.isDefault };
					} catch (error) {
						// A row that cannot be built (e.g. its key variable is missing) is left out of the choices.
						deps.host.logger.warn(`[ml-suite] embedding model ${definition.name} is not usable for evaluation: ${(error as Error).message}`);
						return null;
					}
				}),
			);
			return described.filter((model) => model !== null);
		},
		enqueue: (runId) => deps.queue.enqueue('evaluate-search', { runId }, { jobId: `eval-${runId}` }),
		rerankers: () => (deps.rerankerName ? [deps.rerankerName] : []),
		resolveItemKeys: (collection, field, values) => resolveItemKeys(deps.host, collection, field, values),
		readFile: (id) => readFileText(deps.host, id),
		async saveSet(set, replaceId, who) {
			const schema = await deps.host.getSchema();
			const service = new deps.host.services.ItemsService('ml_eval_sets', { schema, knex: deps.host.database, accountability: evaluator(who.user) });
			const row = {
				name: set.name,
				description: set.description,
				index: set.indexId,
				collection: set.collection,
				id_field: set.idField,
				source: set.source,
				queries: set.queries,
				import_report: set.importReport,
			};
			if (replaceId) {
				await service.updateOne(replaceId, row);
				return replaceId;
			}
			return String(await service.createOne(row));
		},
	});
}

/** Largest file a BEIR import reads from Directus Files. */
const MAX_IMPORT_FILE_BYTES = 64 * 1024 * 1024;

/** Maps values of `field` (null: the primary key) to item keys, reading with full access. */
async function resolveItemKeys(host: HostContext, collection: string, field: string | null, values: string[]): Promise<Map<string, string>> {
	const schema = await host.getSchema();
	const info = schema.collections[collection];
	if (!info) throw new NotFoundError(`Collection "${collection}" does not exist.`);
	const by = field ?? info.primary;
	if (!info.fields[by]) {
		throw new InvalidPayloadError(`"idField": "${by}" is not a field of "${collection}". Fields: ${Object.keys(info.fields).join(', ')}.`, { field: 'idField' });
	}
	const service = new host.services.ItemsService(collection, { schema, knex: host.database, accountability: null });
	const out = new Map<string, string>();
	for (let i = 0; i < values.length; i += 500) {
		const rows: Record<string, unknown>[] = await service.readByQuery({ fields: [info.primary, by], filter: { [by]: { _in: values.slice(i, i + 500) } }, sort: [info.primary], limit: -1 });
		for (const row of rows) {
			const value = String(row[by]);
			if (!out.has(value)) out.set(value, String(row[info.primary]));
		}
	}
	return out;
}

/** Reads a text file from Directus Files (system access: only administrators import). */
async function readFileText(host: HostContext, id: string): Promise<string> {
	const schema = await host.getSchema();
	const assets = new host.services.AssetsService({ schema, knex: host.database, accountability: null });
	let asset: { stream: NodeJS.ReadableStream; file: { filesize?: number | string | null } };
	try {
		asset = await assets.getAsset(id);
	} catch (error) {
		if ((error as { status?: number }).status === 403) throw new NotFoundError(`File "${id}" does not exist.`, { file: id });
		throw error;
	}
	if (Number(asset.file.filesize ?? 0) > MAX_IMPORT_FILE_BYTES) {
		(asset.stream as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
		throw new PayloadTooLargeError(`File "${id}" is larger than ${MAX_IMPORT_FILE_BYTES / 1024 / 1024} MB.`, { file: id });
	}
	const chunks: Buffer[] = [];
	for await (const chunk of asset.stream) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
	return Buffer.concat(chunks).toString('utf8');
}
