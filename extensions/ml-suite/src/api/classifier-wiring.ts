import type { Filter } from '@directus/types';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ClassifierService, labelOf } from '../core/classifiers/classifier-service.js';
import { ClassifierVersions } from '../core/classifiers/classifier-versions.js';
import { threadTrainer } from '../core/classifiers/thread-trainer.js';
import { trainClassifierJob } from '../core/classifiers/classifier-jobs.js';
import type { Example, TrainingSpec } from '../core/classifiers/types.js';
import { InvalidPayloadError } from '../core/errors.js';
import type { EmbedResponse } from '../core/embeddings/embedding-service.js';
import type { ModelRegistry } from '../core/providers/model-registry.js';
import { htmlToText } from '../core/text/html-to-text.js';
import type { CallOrigin } from '../core/usage/types.js';
import type { HostContext } from './container-types.js';
import { collectionInactiveError, isCollectionInactive } from './directus-runtime.js';
import type { QueueWiring } from './queue-wiring.js';

/** Items per read: smaller pages keep each synchronous stretch (row conversion, HTML to text) short. */
const PAGE = 250;


/**
 * Reads labelled examples through Directus's ItemsService (system access: training is an admin
 * action), page by page. Unknown collections and fields are a 400 naming them.
 */
export function directusExampleLoader(host: HostContext): (spec: TrainingSpec) => Promise<Example[]> {
	return async (spec) => {
		const schema = await host.getSchema();
		const info = schema.collections[spec.collection];
		if (!info) throw new InvalidPayloadError(`Collection "${spec.collection}" does not exist.`, { field: 'collection' });
		if (isCollectionInactive(schema, spec.collection)) throw collectionInactiveError(spec.collection, 'training on it');
		for (const [key, field] of [...spec.textFields.map((f) => ['textFields', f] as const), ['labelField', spec.labelField] as const]) {
			if (!info.fields[field]) throw new InvalidPayloadError(`"${spec.collection}" has no field "${field}".`, { field: key });
		}
		const service = new host.services.ItemsService(spec.collection, { schema, knex: host.database, accountability: null });
		const notEmpty = { [spec.labelField]: { _nnull: true } };
		// The caller's filter is checked by Directus itself (a bad one is its 400, reported below).
		const filter = (spec.filter ? { _and: [spec.filter, notEmpty] } : notEmpty) as Filter;
		const out: Example[] = [];
		for (let page = 1; ; page++) {
			let rows: Record<string, unknown>[];
			try {
				rows = (await service.readByQuery({ fields: [...new Set([...spec.textFields, spec.labelField])], filter, limit: PAGE, page, sort: [info.primary] })) as Record<string, unknown>[];
			} catch (error) {
				// Directus rejects bad filters with its own 400; say which input it was.
				const status = (error as { status?: number }).status;
				if (status === 400) throw new InvalidPayloadError(`The filter is not valid for "${spec.collection}": ${(error as Error).message}`, { field: 'filter' });
				throw error;
			}
			// Loading 10k items runs beside requests: give them a turn every few milliseconds.
			let slice = performance.now();
			for (const row of rows) {
				if (performance.now() - slice >= 8) {
					await new Promise((resolve) => setImmediate(resolve));
					slice = performance.now();
				}
				const label = labelOf(row[spec.labelField]);
				if (label === null) continue;
				const text = spec.textFields
					.map((f) => row[f])
					.filter((v): v is string => typeof v === 'string' && v.trim() !== '')
					.map((v) => htmlToText(v))
					.join('\n\n')
					.trim();
				if (text === '') continue;
				out.push({ text, label });
			}
			if (rows.length < PAGE) break;
		}
		return out;
	};
}

/** Builds the classifier service and registers the training job on the `training` queue. */
export function buildClassifiers(
	host: HostContext,
	deps: {
		models: ModelRegistry;
		queueWiring: QueueWiring;
		/** Versions kept per classifier (ML_CLASSIFIER_KEEP_VERSIONS). */
		keepVersions: number;
		/** Heap limit of the training thread (ML_CLASSIFIER_THREAD_MEMORY_MB). */
		threadMemoryMb: number;
		/** The built training-thread entry; default `classifier-training.mjs` beside this bundle. */
		trainingScript?: URL;
		embedTexts(texts: string[], options: { modelId?: string | null; origin: CallOrigin; signal?: AbortSignal }): Promise<EmbedResponse>;
	},
): { classifiers: ClassifierService; classifierVersions: ClassifierVersions } {
	const classifierVersions = new ClassifierVersions(host.database);
	const trainingScript = deps.trainingScript ?? new URL('./classifier-training.mjs', import.meta.url);
	if (!existsSync(trainingScript)) {
		throw new Error(`[ml-suite] the classifier training thread ${fileURLToPath(trainingScript)} is missing: rebuild the extension (npm run build).`);
	}
	const classifiers = new ClassifierService({
		versions: classifierVersions,
		getModel: (id) => deps.models.get(id),
		loadExamples: directusExampleLoader(host),
		enqueueTraining: async (versionId) => (await deps.queueWiring.queue.enqueue('train-classifier', { versionId }, { jobId: `train-classifier:${versionId}` })).id,
		embed: async (texts, modelId, signal) => {
			// Versions remember the registry row they were trained with, so a later change of the default embedding model does not change their features.
			const { definition } = await deps.models.embeddingModel(modelId ?? undefined);
			const out = await deps.embedTexts(texts, { modelId: definition.id, origin: { user: null, sourceType: 'job', source: 'classifier features' }, signal });
			return { embeddings: out.embeddings, model: definition.id, dimensions: out.dimensions };
		},
		// Training runs in a worker thread, off the event loop that serves requests (the inline queue runs jobs in the Directus process).
		train: threadTrainer({ script: trainingScript, maxHeapMb: deps.threadMemoryMb }),
		keepVersions: deps.keepVersions,
		log: (level, message) => host.logger[level](message),
	});
	deps.queueWiring.register(trainClassifierJob, { classifiers });
	return { classifiers, classifierVersions };
}
