import { predictProba } from './softmax-regression.js';
import { featurize } from './train-classifier.js';
import { TfidfVectorizer } from './tfidf-vectorizer.js';
import type { ClassifierArtifact } from './types.js';

/** A loaded classifier version, ready to predict. */
export class TrainedClassifier {
	private readonly vectorizer: TfidfVectorizer | null;

	constructor(readonly artifact: ClassifierArtifact) {
		this.vectorizer = artifact.tfidf ? new TfidfVectorizer(artifact.tfidf, artifact.tfidf.bigrams) : null;
	}

	get needsEmbedding(): boolean {
		return this.artifact.embedding !== null;
	}

	/** Every label with its probability, best first. */
	predict(text: string, embedding: number[] | null = null): { category: string; confidence: number }[] {
		if (this.needsEmbedding && (!embedding || embedding.length !== this.artifact.embedding!.dimensions)) {
			throw new Error(`This classifier needs a ${this.artifact.embedding!.dimensions}-dimensional embedding of the text.`);
		}
		const proba = predictProba(this.artifact.model, featurize(this.artifact, this.vectorizer, text, embedding));
		return this.artifact.labels.map((category, i) => ({ category, confidence: proba[i]! })).sort((a, b) => b.confidence - a.confidence);
	}
}
