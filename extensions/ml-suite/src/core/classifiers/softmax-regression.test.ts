import { describe, expect, it } from 'vitest';
import { seededRandom } from '../seeded-random.js';
import { predictProba, trainSoftmax } from './softmax-regression.js';
import type { SparseVector } from './sparse-vector.js';

/** Three classes, each marked by its own features plus shared noise features. */
function dataset(n: number, seed: number): { xs: SparseVector[]; ys: number[] } {
	const random = seededRandom(seed);
	const xs: SparseVector[] = [];
	const ys: number[] = [];
	for (let i = 0; i < n; i++) {
		const y = i % 3;
		const noise = 6 + Math.floor(random() * 4);
		xs.push({ indices: [y * 2, y * 2 + 1, noise].sort((a, b) => a - b), values: [1, 1, 1] });
		ys.push(y);
	}
	return { xs, ys };
}

describe('trainSoftmax', () => {
	it('learns a separable three-class problem and gives calibrated-looking probabilities', async () => {
		const { xs, ys } = dataset(150, 7);
		const model = await trainSoftmax(xs, ys, 3, 10, { epochs: 20 });
		const test = dataset(30, 99);
		const correct = test.xs.filter((x, i) => {
			const p = predictProba(model, x);
			return p.indexOf(Math.max(...p)) === test.ys[i];
		}).length;
		expect(correct).toBe(30);
		const p = predictProba(model, { indices: [0, 1], values: [1, 1] });
		expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 10);
		expect(p[0]).toBeGreaterThan(0.8);
	});

	it('lowers the training loss epoch by epoch and is deterministic for a seed', async () => {
		const { xs, ys } = dataset(90, 3);
		const losses: number[] = [];
		const a = await trainSoftmax(xs, ys, 3, 10, { epochs: 5, seed: 4, onEpoch: (_e, loss) => void losses.push(loss) });
		const b = await trainSoftmax(xs, ys, 3, 10, { epochs: 5, seed: 4 });
		expect(losses[0]).toBeGreaterThan(losses[4]!);
		expect(losses[0]).toBeLessThan(Math.log(3) + 1e-9);
		expect(a.weights).toEqual(b.weights);
	});

	it('a feature no training example has keeps weight 0, so it cannot sway predictions', async () => {
		const { xs, ys } = dataset(60, 5);
		const model = await trainSoftmax(xs, ys, 3, 12, { epochs: 3 });
		expect([model.weights[10], model.weights[11], model.weights[22], model.weights[23]]).toEqual([0, 0, 0, 0]);
		expect(predictProba(model, { indices: [0, 10], values: [1, 5] })).toEqual(predictProba(model, { indices: [0], values: [1] }));
	});

	it('stops when the signal aborts, and yields to other work when asked', async () => {
		const { xs, ys } = dataset(300, 1);
		const controller = new AbortController();
		controller.abort(new Error('stop'));
		await expect(trainSoftmax(xs, ys, 3, 10, { signal: controller.signal })).rejects.toThrow('stop');
		let yields = 0;
		await trainSoftmax(xs, ys, 3, 10, { epochs: 2, batchSize: 1, yieldEvery: { ms: 0, yield: async () => void yields++ } });
		expect(yields).toBeGreaterThan(100);
	});
});
