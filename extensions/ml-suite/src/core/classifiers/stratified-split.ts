import { seededRandom } from '../seeded-random.js';

/**
 * Splits example indices into train and test sets with the same class proportions: per class,
 * `round(n × testRatio)` examples (at least 1, and never all of them) go to the test set.
 * Deterministic for a seed.
 */
export function stratifiedSplit(labels: readonly number[], testRatio: number, seed = 1): { train: number[]; test: number[] } {
	const random = seededRandom(seed);
	const byClass = new Map<number, number[]>();
	labels.forEach((label, i) => byClass.set(label, [...(byClass.get(label) ?? []), i]));
	const train: number[] = [];
	const test: number[] = [];
	for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
		const members = byClass.get(label)!;
		for (let i = members.length - 1; i > 0; i--) {
			const j = Math.floor(random() * (i + 1));
			[members[i], members[j]] = [members[j]!, members[i]!];
		}
		const nTest = members.length < 2 ? 0 : Math.min(members.length - 1, Math.max(1, Math.round(members.length * testRatio)));
		test.push(...members.slice(0, nTest));
		train.push(...members.slice(nTest));
	}
	return { train: train.sort((a, b) => a - b), test: test.sort((a, b) => a - b) };
}
