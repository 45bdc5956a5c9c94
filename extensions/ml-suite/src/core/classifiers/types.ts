import type { ClassifierVersion, FeatureKind, TrainingSpec } from '../../shared/model-types.js';
import type { SoftmaxWeights } from './softmax-regression.js';
import type { TfidfState } from './tfidf-vectorizer.js';

export type { ClassifierVersion, FeatureKind, TrainingSpec };

/** Which features a classifier uses. */
export const FEATURE_KINDS = ['tfidf', 'embedding', 'tfidf+embedding'] as const satisfies readonly FeatureKind[];
/** Compile-time check that `FEATURE_KINDS` lists every `FeatureKind`. */
const _everyFeatureListed: Exclude<FeatureKind, (typeof FEATURE_KINDS)[number]> extends never ? true : never = true;
void _everyFeatureListed;

/** One labelled example. */
export interface Example {
	text: string;
	label: string;
}

/** Everything needed to predict, stored with the version (JSON). */
export interface ClassifierArtifact {
	format: 1;
	labels: string[];
	features: FeatureKind;
	tfidf: (TfidfState & { bigrams: boolean }) | null;
	/** Embedding model (`ml_models` id) and its dimensions when embeddings are features. */
	embedding: { model: string; dimensions: number } | null;
	model: SoftmaxWeights;
}

