import { InvalidPayloadError } from '../errors.js';
import { classificationMetrics, type ClassificationMetrics } from './classification-metrics.js';
import { predictProba, trainSoftmax, type SoftmaxTrainOptions } from './softmax-regression.js';
import { concatDense, type SparseVector } from './sparse-vector.js';
import { stratifiedSplit } from './stratified-split.js';
import { TfidfVectorizer } from './tfidf-vectorizer.js';
import type { ClassifierArtifact, Example, TrainingSpec } from './types.js';

/** Label counts, and a 4xx naming the problem when the examples cannot train a classifier. */
export function checkExamples(examples: readonly Example[], spec: Pick<TrainingSpec, 'labelField' | 'minExamplesPerClass' | 'collection'>): Map<string, number> {
	const counts = new Map<string, number>();
	for (const e of examples) counts.set(e.label, (counts.get(e.label) ?? 0) + 1);
	if (examples.length === 0) {
		throw new InvalidPayloadError(`No item of "${spec.collection}" has both text and a value in "${spec.labelField}" (with the filter applied): there is nothing to learn from.`, {
			field: 'labelField',
			reason: 'no_labels',
		});
	}
	if (counts.size < 2) {
		throw new InvalidPayloadError(`Every labelled item of "${spec.collection}" has the same "${spec.labelField}" ("${[...counts.keys()][0]}"): a classifier needs at least two classes.`, {
			field: 'labelField',
			reason: 'one_class',
		});
	}
	const few = [...counts.entries()].filter(([, n]) => n < spec.minExamplesPerClass);
	if (few.length > 0) {
		throw new InvalidPayloadError(
			`Too few examples per class (at least ${spec.minExamplesPerClass} needed): ${few.map(([l, n]) => `"${l}" has ${n}`).join(', ')}. Label more items or lower minExamplesPerClass.`,
			{ field: 'labelField', reason: 'too_few_examples', classes: Object.fromEntries(few) },
		);
	}
	return counts;
}

export interface TrainDeps {
	/** Embeds texts with the given embedding model (only for embedding features). */
	embed?(texts: string[], signal?: AbortSignal): Promise<{ embeddings: number[][]; model: string; dimensions: number }>;
	progress?(value: { phase: string; percent: number; epoch?: number; loss?: number }): Promise<void> | void;
	yieldEvery?: SoftmaxTrainOptions['yieldEvery'];
	signal?: AbortSignal;
}

export interface TrainOutcome {
	artifact: ClassifierArtifact;
	metrics: ClassificationMetrics;
	trainSize: number;
	testSize: number;
	trainingMs: number;
}

/** Builds the feature vector of one text for a fitted artifact. */
export function featurize(artifact: Pick<ClassifierArtifact, 'tfidf'>, vectorizer: TfidfVectorizer | null, text: string, embedding: number[] | null): SparseVector {
	const sparse = vectorizer ? vectorizer.transform(text) : { indices: [], values: [] };
	return concatDense(sparse, embedding, artifact.tfidf?.vocabulary.length ?? 0);
}

/** Stratified split, features, softmax regression, evaluation on the held-out part. */
export async function trainClassifier(examples: readonly Example[], spec: TrainingSpec, deps: TrainDeps = {}): Promise<TrainOutcome> {
	checkExamples(examples, spec);
	const started = performance.now();
	const labels = [...new Set(examples.map((e) => e.label))].sort();
	const y = examples.map((e) => labels.indexOf(e.label));
	const { train, test } = stratifiedSplit(y, spec.testRatio);
	const useTfidf = spec.features !== 'embedding';
	const useEmbedding = spec.features !== 'tfidf';
	await deps.progress?.({ phase: 'features', percent: 5 });
	// Tokenizing 10k documents takes seconds: give other work (requests, when training runs in a server process) a turn.
	const tick = ticker(deps.yieldEvery);
	const vectorizer = useTfidf ? await TfidfVectorizer.fitAsync(train.map((i) => examples[i]!.text), { bigrams: true }, tick) : null;
	let embeddings: number[][] | null = null;
	let embedding: ClassifierArtifact['embedding'] = null;
	if (useEmbedding) {
		if (!deps.embed) throw new InvalidPayloadError('Embedding features need an embedding model.', { field: 'features' });
		embeddings = [];
		const batch = 64;
		for (let i = 0; i < examples.length; i += batch) {
			const out = await deps.embed(examples.slice(i, i + batch).map((e) => e.text), deps.signal);
			embeddings.push(...out.embeddings);
			embedding = { model: out.model, dimensions: out.dimensions };
			await deps.progress?.({ phase: 'embedding', percent: 5 + Math.round((25 * Math.min(examples.length, i + batch)) / examples.length) });
		}
	}
	const tfidf = vectorizer ? { ...vectorizer.state, bigrams: true } : null;
	const base = { tfidf };
	const xs: SparseVector[] = [];
	for (let i = 0; i < examples.length; i++) {
		xs.push(featurize(base, vectorizer, examples[i]!.text, embeddings ? embeddings[i]! : null));
		await tick();
	}
	const featureCount = (vectorizer?.size ?? 0) + (embedding?.dimensions ?? 0);
	const model = await trainSoftmax(
		train.map((i) => xs[i]!),
		train.map((i) => y[i]!),
		labels.length,
		featureCount,
		{
			epochs: spec.epochs,
			signal: deps.signal,
			yieldEvery: deps.yieldEvery,
			onEpoch: (epoch, loss) => deps.progress?.({ phase: 'training', percent: 30 + Math.round((65 * epoch) / spec.epochs), epoch, loss }),
		},
	);
	const artifact: ClassifierArtifact = { format: 1, labels, features: spec.features, tfidf, embedding, model };
	const predicted: number[] = [];
	for (const i of test) {
		predicted.push(argmax(predictProba(model, xs[i]!)));
		await tick();
	}
	const metrics = classificationMetrics(labels, test.map((i) => y[i]!), predicted);
	await deps.progress?.({ phase: 'done', percent: 100 });
	return { artifact, metrics, trainSize: train.length, testSize: test.length, trainingMs: Math.round(performance.now() - started) };
}

/** Awaits `yieldEvery.yield()` whenever `yieldEvery.ms` have passed since the last yield; a no-op without it. */
export function ticker(yieldEvery: TrainDeps['yieldEvery']): () => Promise<void> {
	let last = performance.now();
	return async () => {
		if (!yieldEvery || performance.now() - last < yieldEvery.ms) return;
		await yieldEvery.yield();
		last = performance.now();
	};
}

export function argmax(values: readonly number[]): number {
	let best = 0;
	for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
	return best;
}
