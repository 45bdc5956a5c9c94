import { describe, expect, it } from 'vitest';
import { InvalidPayloadError } from '../errors.js';
import { checkExamples, trainClassifier } from './train-classifier.js';
import { TfidfVectorizer } from './tfidf-vectorizer.js';
import { TrainedClassifier } from './trained-classifier.js';
import type { Example, TrainingSpec } from './types.js';

const spec: TrainingSpec = { collection: 'posts', textFields: ['body'], labelField: 'topic', filter: null, features: 'tfidf', testRatio: 0.25, minExamplesPerClass: 3, epochs: 30 };

const WORDS: Record<string, string[]> = {
	sport: ['match', 'team', 'goal', 'player', 'league', 'coach', 'score', 'season'],
	food: ['recipe', 'chef', 'dish', 'kitchen', 'flavour', 'dinner', 'bake', 'taste'],
	tech: ['software', 'database', 'server', 'code', 'network', 'chip', 'cloud', 'algorithm'],
};
const FILLER = ['today', 'people', 'said', 'new', 'week', 'city', 'report', 'many'];

function examples(n: number, offset = 0): Example[] {
	const out: Example[] = [];
	const labels = Object.keys(WORDS);
	for (let i = 0; i < n; i++) {
		const label = labels[i % labels.length]!;
		const w = WORDS[label]!;
		const words = [w[(i + offset) % 8], FILLER[(i * 3) % 8], w[(i * 5 + offset + 1) % 8], FILLER[(i + 2) % 8], w[(i * 7 + offset + 3) % 8]];
		out.push({ text: words.join(' '), label });
	}
	return out;
}

describe('checkExamples (the guards that answer 4xx before training)', () => {
	it('refuses no labelled items, one class only and too few examples per class, naming the problem', () => {
		expect(() => checkExamples([], spec)).toThrow(/nothing to learn from/);
		expect(() => checkExamples([{ text: 'a', label: 'x' }, { text: 'b', label: 'x' }, { text: 'c', label: 'x' }], spec)).toThrow(/same "topic".*at least two classes/);
		const few = [...examples(9), { text: 'odd one', label: 'weather' }];
		let error: unknown;
		try {
			checkExamples(few, spec);
		} catch (e) {
			error = e;
		}
		expect(error).toBeInstanceOf(InvalidPayloadError);
		expect((error as InvalidPayloadError).status).toBe(400);
		expect((error as Error).message).toContain('"weather" has 1');
	});
});

describe('trainClassifier', () => {
	it('trains on TF-IDF features, evaluates on a stratified held-out split and predicts after a JSON round trip', async () => {
		const progress: number[] = [];
		const out = await trainClassifier(examples(120), spec, { progress: (p) => void progress.push(p.percent) });
		expect(out.trainSize + out.testSize).toBe(120);
		expect(out.testSize).toBe(30);
		expect(out.metrics.accuracy).toBeGreaterThanOrEqual(0.9);
		expect(out.metrics.confusion.flat().reduce((a, b) => a + b, 0)).toBe(30);
		expect(progress.at(-1)).toBe(100);
		const stored = JSON.parse(JSON.stringify(out.artifact));
		const classifier = new TrainedClassifier(stored);
		const ranked = classifier.predict('the chef bakes a new dish in the kitchen');
		expect(ranked[0]!.category).toBe('food');
		expect(ranked.reduce((a, c) => a + c.confidence, 0)).toBeCloseTo(1, 6);
	});

	it('uses embedding features from the injected embedder (and needs one)', async () => {
		const dims = 3;
		const embed = async (texts: string[]): Promise<{ embeddings: number[][]; model: string; dimensions: number }> => ({
			embeddings: texts.map((t) => Object.keys(WORDS).map((label) => (WORDS[label]!.some((w) => t.includes(w)) ? 1 : 0))),
			model: 'model-row-id',
			dimensions: dims,
		});
		const out = await trainClassifier(examples(60), { ...spec, features: 'embedding' }, { embed });
		expect(out.artifact.tfidf).toBeNull();
		expect(out.artifact.embedding).toEqual({ model: 'model-row-id', dimensions: 3 });
		expect(out.metrics.accuracy).toBe(1);
		const classifier = new TrainedClassifier(out.artifact);
		expect(classifier.predict('x', [0, 0, 1])[0]!.category).toBe('tech');
		expect(() => classifier.predict('x', null)).toThrow(/3-dimensional embedding/);
		await expect(trainClassifier(examples(60), { ...spec, features: 'embedding' })).rejects.toThrow(/embedding model/);
	});
});

describe('TfidfVectorizer', () => {
	it('L2-normalises rows, ignores unknown terms and keeps the most frequent terms up to maxFeatures', () => {
		const v = TfidfVectorizer.fit(['red apple', 'red car', 'red bus'], { maxFeatures: 2, bigrams: false });
		expect(v.state.vocabulary[0]).toBe('red');
		expect(v.size).toBe(2);
		const x = v.transform('red red apple zebra');
		expect(Math.hypot(...x.values)).toBeCloseTo(1, 10);
		expect(v.transform('zebra').indices).toEqual([]);
	});
});

describe('trainClassifier inside a server process', () => {
	it('gives other work a turn while it tokenizes, featurizes and evaluates, and learns the same model as without', async () => {
		const data = examples(90);
		let turns = 0;
		const epochs = 3;
		const yielding = await trainClassifier(data, { ...spec, epochs }, { yieldEvery: { ms: 0, yield: async () => void turns++ } });
		// Each of the 90 documents is tokenized for the vocabulary (train part), featurized, and the
		// test part predicted: more turns than the training epochs alone would give.
		expect(turns).toBeGreaterThan(data.length);
		const plain = await trainClassifier(data, { ...spec, epochs });
		expect(yielding.artifact).toEqual(plain.artifact);
		expect(yielding.metrics).toEqual(plain.metrics);
	});
});
