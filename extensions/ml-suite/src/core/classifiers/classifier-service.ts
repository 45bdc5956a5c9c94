import { InvalidPayloadError, NotFoundError } from '../errors.js';
import type { EngineCall, ClassificationResult } from '../analysis/types.js';
import type { ModelDefinition } from '../providers/types.js';
import { classificationMetrics, type ClassificationMetrics } from './classification-metrics.js';
import type { ClassifierVersions } from './classifier-versions.js';
import { checkExamples, trainClassifier, type TrainDeps } from './train-classifier.js';
import type { Trainer } from './thread-trainer.js';
import { TrainedClassifier } from './trained-classifier.js';
import type { ClassifierVersion, Example, TrainingSpec } from './types.js';

export interface ClassifierServiceOptions {
	versions: ClassifierVersions;
	/** A registry model by id or model id (NotFoundError when unknown). */
	getModel(idOrModelId: string): Promise<ModelDefinition>;
	/** Labelled examples for a spec: items matching the filter with text and a non-empty label. */
	loadExamples(spec: TrainingSpec, signal?: AbortSignal): Promise<Example[]>;
	/** Enqueues the training job of a version; returns the job id. */
	enqueueTraining(versionId: string): Promise<string>;
	/** Embeds texts with an embedding model (`null`: the default one); `model` in the answer is its registry id. */
	embed(texts: string[], modelId: string | null, signal?: AbortSignal): Promise<{ embeddings: number[][]; model: string; dimensions: number }>;
	/**
	 * Where training runs. Default: in this thread (`trainClassifier`, yielding per `yieldEvery`);
	 * the server passes `threadTrainer(…)` so training runs in a worker thread.
	 */
	train?: Trainer;
	/** Yields to other work while training runs in this thread, e.g. `{ ms: 10, yield: () => new Promise(setImmediate) }`. */
	yieldEvery?: TrainDeps['yieldEvery'];
	/** Most versions kept loaded in memory. Default 8. */
	cacheSize?: number;
	/** Versions kept per classifier after a run (the newest ones, plus the active one). Default 10. */
	keepVersions?: number;
	/** How long the list of classifiers that retrain automatically is cached. Default 5 s. */
	retrainConfigTtlMs?: number;
	/** Where automatic retraining reports what it did or why it could not start. */
	log?(level: 'info' | 'warn', message: string): void;
}

/** A label value as a class name: strings, numbers and booleans; empty strings, null and lists are no label. */
export function labelOf(value: unknown): string | null {
	if (typeof value === 'number' && Number.isFinite(value)) return String(value);
	if (typeof value === 'string' && value.trim() !== '') return value.trim();
	if (typeof value === 'boolean') return String(value);
	return null;
}

/**
 * Custom classifiers trained on CMS labels: starts training runs (guards first, so bad input
 * is a 4xx before a job exists), runs them as queue jobs, and serves the active version.
 * Versions live in the database; this process only caches loaded weights by version id.
 */
export class ClassifierService {
	private readonly loaded = new Map<string, TrainedClassifier>();
	private retrainCache: { at: number; configs: Promise<{ model: string; spec: TrainingSpec; busy: boolean }[]> } | null = null;

	constructor(private readonly options: ClassifierServiceOptions) {}

	/** The classifier model row; a 400 when the model is not a classifier. */
	async classifierModel(idOrModelId: string): Promise<ModelDefinition> {
		const model = await this.options.getModel(idOrModelId);
		if (model.task !== 'classification') throw new InvalidPayloadError(`Model "${model.name}" is a ${model.task} model; only classification models can be trained.`, { model: idOrModelId });
		return model;
	}

	/** The classifier for `idOrModelId` when it names a classification model, else null (unknown ids too). */
	async find(idOrModelId: string): Promise<ModelDefinition | null> {
		try {
			const model = await this.options.getModel(idOrModelId);
			return model.task === 'classification' ? model : null;
		} catch (error) {
			if (error instanceof NotFoundError) return null;
			throw error;
		}
	}

	/** Checks the data, creates a queued version and enqueues its training. */
	async startTraining(idOrModelId: string, spec: TrainingSpec, createdBy: string | null, signal?: AbortSignal): Promise<{ version: ClassifierVersion; jobId: string; classes: Record<string, number> }> {
		const model = await this.classifierModel(idOrModelId);
		const examples = await this.options.loadExamples(spec, signal);
		const counts = checkExamples(examples, spec);
		const version = await this.options.versions.create(model.id, spec, createdBy);
		this.retrainCache = null;
		await this.options.versions.resetNewLabels(model.id);
		try {
			const jobId = await this.options.enqueueTraining(version.id);
			await this.options.versions.setJob(version.id, jobId);
			return { version: { ...version, jobId }, jobId, classes: Object.fromEntries([...counts.entries()].sort()) };
		} catch (error) {
			await this.options.versions.markFailed(version.id, `Could not enqueue training: ${(error as Error).message}`);
			throw error;
		}
	}

	/**
	 * The training job: loads the examples again (they may have changed since the request),
	 * trains, evaluates on the held-out split and stores the version. The first ready version of
	 * a model becomes active; later ones wait for "Activate".
	 */
	async runTraining(versionId: string, ctx: { jobId: string; signal?: AbortSignal; progress?: TrainDeps['progress']; log?(line: string): Promise<void> }): Promise<ClassifierVersion> {
		const version = await this.options.versions.get(versionId);
		if (version.status === 'ready') return version;
		await this.options.versions.markTraining(versionId, ctx.jobId);
		try {
			const examples = await this.options.loadExamples(version.spec, ctx.signal);
			await ctx.log?.(`training on ${examples.length} labelled items of ${version.spec.collection}`);
			const outcome = await (this.options.train ?? this.trainHere)(examples, version.spec, {
				signal: ctx.signal,
				progress: ctx.progress,
				embed: (texts, signal) => this.options.embed(texts, null, signal),
			});
			await this.options.versions.complete(versionId, outcome);
			await ctx.log?.(`accuracy ${outcome.metrics.accuracy.toFixed(3)}, macro-F1 ${outcome.metrics.macroF1.toFixed(3)} on ${outcome.testSize} held-out items`);
			const pruned = await this.options.versions.prune(version.model, this.options.keepVersions ?? 10);
			for (const p of pruned) this.loaded.delete(p.id);
			if (pruned.length > 0) await ctx.log?.(`pruned version(s) ${pruned.map((p) => p.version).join(', ')} (keeping the newest ${this.options.keepVersions ?? 10} and the active one)`);
			this.retrainCache = null;
			return this.options.versions.get(versionId);
		} catch (error) {
			await this.options.versions.markFailed(versionId, (error as Error).message);
			throw error;
		}
	}

	/** Training in this thread: the default without a `train` option (tests, CLI). */
	private readonly trainHere: Trainer = async (examples, spec, deps) => {
		const outcome = await trainClassifier(examples, spec, { ...deps, yieldEvery: this.options.yieldEvery });
		return { artifactJson: JSON.stringify(outcome.artifact), labels: outcome.artifact.labels, metrics: outcome.metrics, trainSize: outcome.trainSize, testSize: outcome.testSize, trainingMs: outcome.trainingMs };
	};

	/**
	 * Automatic retraining: `count` items of `collection` were written with `payload`. Every
	 * classifier whose newest version trains on that collection with `retrainAfterNewLabels` set
	 * counts them when the payload sets its label field; once the count reaches the setting (and no
	 * run is queued or training), a new run with the same spec starts. Returns the versions started.
	 * The count lives in the database, so writes through any instance add up and one instance starts the run.
	 */
	async labelsWritten(collection: string, payload: Record<string, unknown>, count: number): Promise<number[]> {
		if (count <= 0) return [];
		const ttl = this.options.retrainConfigTtlMs ?? 5000;
		if (!this.retrainCache || Date.now() - this.retrainCache.at >= ttl) {
			const configs = this.options.versions.retrainConfigs();
			this.retrainCache = { at: Date.now(), configs };
			configs.catch(() => (this.retrainCache = null));
		}
		const configs = (await this.retrainCache.configs).filter((c) => c.spec.collection === collection && labelOf(payload[c.spec.labelField]) !== null);
		const started: number[] = [];
		for (const config of configs) {
			const threshold = config.spec.retrainAfterNewLabels!;
			const total = await this.options.versions.addNewLabels(config.model, count);
			if (total < threshold || config.busy) continue;
			// Busy is checked again from the database: the cached list may be a few seconds old.
			if ((await this.options.versions.retrainConfigs()).find((c) => c.model === config.model)?.busy) continue;
			if (!(await this.options.versions.claimRetrain(config.model, threshold))) continue;
			try {
				const run = await this.startTraining(config.model, config.spec, null);
				started.push(run.version.version);
				this.options.log?.('info', `[ml-suite] ${total} new labels in ${collection}: retraining classifier ${config.model} as version ${run.version.version}`);
			} catch (error) {
				this.options.log?.('warn', `[ml-suite] automatic retraining of classifier ${config.model} could not start: ${(error as Error).message}`);
			}
		}
		return started;
	}

	versions(idOrModelId: string): Promise<ClassifierVersion[]> {
		return this.classifierModel(idOrModelId).then((m) => this.options.versions.list(m.id));
	}

	/** Makes a ready version active. */
	async activate(idOrModelId: string, versionNumber: number): Promise<ClassifierVersion> {
		const model = await this.classifierModel(idOrModelId);
		const version = await this.options.versions.byNumber(model.id, versionNumber);
		if (version.status !== 'ready') throw new InvalidPayloadError(`Version ${versionNumber} is ${version.status}; only a trained (ready) version can be activated.`, { version: versionNumber });
		await this.options.versions.activate(model.id, version.id);
		return this.options.versions.get(version.id);
	}

	/** Activates the newest ready version older than the active one. */
	async rollback(idOrModelId: string): Promise<ClassifierVersion> {
		const model = await this.classifierModel(idOrModelId);
		const all = await this.options.versions.list(model.id);
		const active = all.find((v) => v.active);
		if (!active) throw new InvalidPayloadError(`Model "${model.name}" has no active version to roll back from.`, { model: idOrModelId });
		const previous = all.find((v) => v.version < active.version && v.status === 'ready');
		if (!previous) throw new InvalidPayloadError(`Model "${model.name}" has no trained version older than the active version ${active.version}.`, { model: idOrModelId });
		await this.options.versions.activate(model.id, previous.id);
		return this.options.versions.get(previous.id);
	}

	/** Loads a version's weights (cached by version id: versions never change once ready). */
	private async load(versionId: string): Promise<TrainedClassifier> {
		let classifier = this.loaded.get(versionId);
		if (!classifier) {
			classifier = new TrainedClassifier(await this.options.versions.artifact(versionId));
			this.loaded.set(versionId, classifier);
			while (this.loaded.size > (this.options.cacheSize ?? 8)) this.loaded.delete(this.loaded.keys().next().value!);
		}
		return classifier;
	}

	private async activeClassifier(model: ModelDefinition): Promise<{ classifier: TrainedClassifier; version: number }> {
		const active = await this.options.versions.activeId(model.id);
		if (!active) throw new InvalidPayloadError(`Classifier "${model.name}" has no active version yet: train it (POST /ml/models/${model.id}/train) and activate a version.`, { model: model.id });
		return { classifier: await this.load(active.id), version: active.version };
	}

	private async scoreMany(classifier: TrainedClassifier, texts: string[], signal?: AbortSignal): Promise<{ category: string; confidence: number }[][]> {
		let embeddings: number[][] | null = null;
		if (classifier.artifact.embedding) embeddings = (await this.options.embed(texts, classifier.artifact.embedding.model, signal)).embeddings;
		return texts.map((t, i) => classifier.predict(t, embeddings ? embeddings[i]! : null));
	}

	/** Classifies with the active version. Multi-label assigns every class at or above `threshold` (default 0.5). */
	async predict(idOrModelId: string, text: string, options: { multiLabel?: boolean; threshold?: number; signal?: AbortSignal } = {}): Promise<EngineCall<ClassificationResult> & { version: number }> {
		const started = performance.now();
		const model = await this.classifierModel(idOrModelId);
		const { classifier, version } = await this.activeClassifier(model);
		const [classifications] = await this.scoreMany(classifier, [text], options.signal);
		const ranked = classifications!;
		const labels = options.multiLabel ? ranked.filter((c) => c.confidence >= (options.threshold ?? 0.5)).map((c) => c.category) : [ranked[0]!.category];
		return {
			result: { classifications: ranked, labels },
			usage: { inputTokens: 0, outputTokens: 0, latencyMs: performance.now() - started },
			provider: 'local',
			model: `${model.modelId}@v${version}`,
			version,
		};
	}

	/**
	 * Scores a version (default: the active one) on the items the training spec selects now, or
	 * on those `filter` selects instead (e.g. a held-out split kept in the collection).
	 */
	async evaluate(
		idOrModelId: string,
		versionNumber?: number,
		signal?: AbortSignal,
		filter?: Record<string, unknown> | null,
	): Promise<{ version: number; metrics: ClassificationMetrics; unknownLabels: Record<string, number>; durationMs: number }> {
		const started = performance.now();
		const model = await this.classifierModel(idOrModelId);
		const version = versionNumber !== undefined ? await this.options.versions.byNumber(model.id, versionNumber) : await this.activeVersion(model);
		if (version.status !== 'ready') throw new InvalidPayloadError(`Version ${version.version} is ${version.status}; only a trained version can be evaluated.`, { version: version.version });
		const examples = await this.options.loadExamples(filter !== undefined ? { ...version.spec, filter } : version.spec, signal);
		const classifier = await this.load(version.id);
		const labels = classifier.artifact.labels;
		const known = examples.filter((e) => labels.includes(e.label));
		const unknownLabels: Record<string, number> = {};
		for (const e of examples) if (!labels.includes(e.label)) unknownLabels[e.label] = (unknownLabels[e.label] ?? 0) + 1;
		if (known.length === 0) throw new InvalidPayloadError(`No item of "${version.spec.collection}" has a label this version knows (${labels.join(', ')}).`, { field: 'labelField' });
		const predicted: number[] = [];
		for (let i = 0; i < known.length; i += 256) {
			const scores = await this.scoreMany(classifier, known.slice(i, i + 256).map((e) => e.text), signal);
			for (const s of scores) predicted.push(labels.indexOf(s[0]!.category));
		}
		return { version: version.version, metrics: classificationMetrics(labels, known.map((e) => labels.indexOf(e.label)), predicted), unknownLabels, durationMs: Math.round(performance.now() - started) };
	}

	private async activeVersion(model: ModelDefinition): Promise<ClassifierVersion> {
		const active = await this.options.versions.activeId(model.id);
		if (!active) throw new InvalidPayloadError(`Classifier "${model.name}" has no active version.`, { model: model.id });
		return this.options.versions.get(active.id);
	}
}
