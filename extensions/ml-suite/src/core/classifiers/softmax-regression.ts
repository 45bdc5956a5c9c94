import type { SparseVector } from './sparse-vector.js';
import { seededRandom } from '../seeded-random.js';

/** Trained multinomial logistic regression: `weights[k * features + j]`, one bias per class. */
export interface SoftmaxWeights {
	classes: number;
	features: number;
	weights: number[];
	bias: number[];
}

export interface SoftmaxTrainOptions {
	/** Passes over the training set. Default: 30. */
	epochs?: number;
	/** Adagrad step size. Default: 0.5. */
	learningRate?: number;
	/** L2 penalty per example. Default: 1e-4. */
	l2?: number;
	/** Examples per update. Default: 32. */
	batchSize?: number;
	/** Seed of the shuffle (training is deterministic for a seed). Default: 1. */
	seed?: number;
	signal?: AbortSignal;
	/** Called after each epoch with the mean training loss. */
	onEpoch?(epoch: number, loss: number): void | Promise<void>;
	/**
	 * Lets other work run (e.g. `() => new Promise(setImmediate)`); called every few milliseconds
	 * of training so training inside a Directus process does not hold up its requests.
	 */
	yieldEvery?: { ms: number; yield(): Promise<void> };
}

/** Class probabilities (softmax of the scores). */
export function predictProba(model: SoftmaxWeights, x: SparseVector): number[] {
	const scores = model.bias.slice();
	for (let k = 0; k < model.classes; k++) {
		const base = k * model.features;
		let s = scores[k]!;
		for (let n = 0; n < x.indices.length; n++) s += model.weights[base + x.indices[n]!]! * x.values[n]!;
		scores[k] = s;
	}
	return softmax(scores);
}

function softmax(scores: number[]): number[] {
	const max = Math.max(...scores);
	const exps = scores.map((s) => Math.exp(s - max));
	const sum = exps.reduce((a, b) => a + b, 0);
	return exps.map((e) => e / sum);
}

/**
 * Multinomial logistic regression (softmax, cross-entropy loss, L2) trained with mini-batch
 * Adagrad over sparse features. Only the weights of features present in a batch are touched,
 * so an epoch costs O(non-zeros × classes), not O(examples × features × classes).
 */
export async function trainSoftmax(xs: readonly SparseVector[], ys: readonly number[], classes: number, features: number, options: SoftmaxTrainOptions = {}): Promise<SoftmaxWeights> {
	if (xs.length !== ys.length) throw new Error('trainSoftmax: xs and ys differ in length');
	const epochs = options.epochs ?? 30;
	const lr = options.learningRate ?? 0.5;
	const l2 = options.l2 ?? 1e-4;
	const batchSize = options.batchSize ?? 32;
	const random = seededRandom(options.seed ?? 1);
	const model: SoftmaxWeights = { classes, features, weights: new Array<number>(classes * features).fill(0), bias: new Array<number>(classes).fill(0) };
	const w = new Float64Array(classes * features);
	const g2 = new Float64Array(classes * features);
	const b = new Float64Array(classes);
	const bg2 = new Float64Array(classes);
	const order = xs.map((_, i) => i);
	let lastYield = performance.now();
	for (let epoch = 0; epoch < epochs; epoch++) {
		for (let i = order.length - 1; i > 0; i--) {
			const j = Math.floor(random() * (i + 1));
			[order[i], order[j]] = [order[j]!, order[i]!];
		}
		let loss = 0;
		for (let start = 0; start < order.length; start += batchSize) {
			if (options.signal?.aborted) throw options.signal.reason ?? new Error('aborted');
			const grad = new Map<number, number>();
			const bgrad = new Float64Array(classes);
			const end = Math.min(order.length, start + batchSize);
			for (let p = start; p < end; p++) {
				const i = order[p]!;
				const x = xs[i]!;
				const scores = new Array<number>(classes);
				for (let k = 0; k < classes; k++) {
					const base = k * features;
					let s = b[k]!;
					for (let n = 0; n < x.indices.length; n++) s += w[base + x.indices[n]!]! * x.values[n]!;
					scores[k] = s;
				}
				const prob = softmax(scores);
				loss -= Math.log(Math.max(prob[ys[i]!]!, 1e-12));
				for (let k = 0; k < classes; k++) {
					const delta = prob[k]! - (k === ys[i] ? 1 : 0);
					bgrad[k]! += delta;
					if (delta === 0) continue;
					const base = k * features;
					for (let n = 0; n < x.indices.length; n++) {
						const key = base + x.indices[n]!;
						grad.set(key, (grad.get(key) ?? 0) + delta * x.values[n]!);
					}
				}
			}
			const m = end - start;
			for (const [key, gsum] of grad) {
				const g = gsum / m + l2 * w[key]!;
				g2[key]! += g * g;
				w[key]! -= (lr * g) / (Math.sqrt(g2[key]!) + 1e-8);
			}
			for (let k = 0; k < classes; k++) {
				const g = bgrad[k]! / m;
				bg2[k]! += g * g;
				b[k]! -= (lr * g) / (Math.sqrt(bg2[k]!) + 1e-8);
			}
			if (options.yieldEvery && performance.now() - lastYield >= options.yieldEvery.ms) {
				await options.yieldEvery.yield();
				lastYield = performance.now();
			}
		}
		await options.onEpoch?.(epoch + 1, loss / Math.max(1, order.length));
	}
	model.weights = Array.from(w);
	model.bias = Array.from(b);
	return model;
}
