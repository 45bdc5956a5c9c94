import { beforeEach, describe, expect, it } from 'vitest';
import { usePostgresSchema } from '../../../../../test/support/postgres-schema.js';
import { skipUnless } from '../../../../../test/support/services.js';
import { ClassifierService } from './classifier-service.js';
import { ClassifierVersions, ensureClassifierTables, LABEL_COUNTS_TABLE, VERSIONS_TABLE } from './classifier-versions.js';
import type { Example, TrainingSpec } from './types.js';

const MODEL = { id: 'c0ffee00-0000-4000-8000-000000000001', name: 'Topics', task: 'classification', modelId: 'topics' };
const SPEC: TrainingSpec = { collection: 'posts', textFields: ['body'], labelField: 'topic', filter: null, features: 'tfidf', testRatio: 0.25, minExamplesPerClass: 3, epochs: 5, retrainAfterNewLabels: null };

const WORDS: Record<string, string[]> = {
	sport: ['match', 'team', 'goal', 'player'],
	food: ['recipe', 'chef', 'dish', 'kitchen'],
};
const EXAMPLES: Example[] = Array.from({ length: 16 }, (_, i) => {
	const label = i % 2 === 0 ? 'sport' : 'food';
	const w = WORDS[label]!;
	return { text: `${w[i % 4]} ${w[(i + 1) % 4]} today`, label };
});

/**
 * The classifier service on a real PostgreSQL: versions are pruned to the newest K plus the
 * active one after each run, and a classifier configured with `retrainAfterNewLabels` starts a
 * new run once that many labels have been written to its collection.
 */
describe.skipIf(await skipUnless('postgres'))('ClassifierService (PostgreSQL): pruning and automatic retraining', () => {
	const db = usePostgresSchema('ml_classifier_test', {
		async setUp(knex) {
			await ensureClassifierTables(knex);
			await ensureClassifierTables(knex); // idempotent
		},
	});
	let enqueued: string[];

	const service = (keepVersions = 10) =>
		new ClassifierService({
			versions: new ClassifierVersions(db()),
			getModel: async () => MODEL as never,
			loadExamples: async () => EXAMPLES,
			enqueueTraining: async (versionId) => {
				enqueued.push(versionId);
				return `job:${versionId}`;
			},
			embed: async () => {
				throw new Error('no embeddings in this test');
			},
			keepVersions,
			retrainConfigTtlMs: 0,
		});
	const train = async (s: ClassifierService, spec: TrainingSpec = SPEC): Promise<number> => {
		const { version } = await s.startTraining(MODEL.id, spec, null);
		await s.runTraining(version.id, { jobId: `job:${version.id}` });
		return version.version;
	};
	const numbers = async (s: ClassifierService) => (await s.versions(MODEL.id)).map((v) => (v.active ? `${v.version}*` : String(v.version)));

	beforeEach(async () => {
		enqueued = [];
		await db()(VERSIONS_TABLE).delete();
		await db()(LABEL_COUNTS_TABLE).delete();
	});

	it('keeps the newest K versions and the active one; older versions and their weights are deleted', async () => {
		const s = service(2);
		await train(s);
		expect(await numbers(s)).toEqual(['1*']);
		await train(s);
		await train(s);
		// v1 is active: kept beside the newest two.
		expect(await numbers(s)).toEqual(['3', '2', '1*']);
		await train(s);
		expect(await numbers(s)).toEqual(['4', '3', '1*']);
		await s.activate(MODEL.id, 4);
		await train(s);
		expect(await numbers(s)).toEqual(['5', '4*']);
		expect(Number((await db()(VERSIONS_TABLE).where({ model: MODEL.id }).count({ n: '*' }))[0]!.n)).toBe(2);
		// The active version still answers after the pruning.
		expect((await s.predict(MODEL.id, 'the chef and the recipe')).version).toBe(4);
	});

	it('never prunes a queued or training version', async () => {
		const s = service(1);
		await train(s);
		await train(s);
		const { version: queued } = await s.startTraining(MODEL.id, SPEC, null);
		expect(queued.version).toBe(3);
		const { version: fourth } = await s.startTraining(MODEL.id, SPEC, null);
		await s.runTraining(fourth.id, { jobId: 'job:4' });
		expect(await numbers(s)).toEqual(['4', '3', '1*']);
	});

	it('retrains after N new labels in the classifier\'s collection, counting only writes that set the label field', async () => {
		const s = service();
		await train(s, { ...SPEC, retrainAfterNewLabels: 3 });
		expect(enqueued).toHaveLength(1);

		expect(await s.labelsWritten('posts', { topic: 'sport', body: 'x' }, 1)).toEqual([]);
		expect(await s.labelsWritten('posts', { body: 'no label here' }, 5)).toEqual([]);
		expect(await s.labelsWritten('posts', { topic: '' }, 5)).toEqual([]);
		expect(await s.labelsWritten('comments', { topic: 'food' }, 5)).toEqual([]);
		expect(await s.labelsWritten('posts', { topic: 'food' }, 1)).toEqual([]);
		expect(enqueued).toHaveLength(1);
		// The third label: a new version with the same spec is queued.
		const started = await s.labelsWritten('posts', { topic: 'food' }, 1);
		expect(started).toEqual([2]);
		expect(enqueued).toHaveLength(2);
		const v2 = (await s.versions(MODEL.id)).find((v) => v.version === 2)!;
		expect(v2.status).toBe('queued');
		expect(v2.spec).toMatchObject({ collection: 'posts', labelField: 'topic', retrainAfterNewLabels: 3 });

		// While that run is pending, more labels start nothing more.
		expect(await s.labelsWritten('posts', { topic: 'food' }, 10)).toEqual([]);
		expect(enqueued).toHaveLength(2);
	});

	it('does not retrain a classifier without the setting, and a manual run restarts the count', async () => {
		const s = service();
		await train(s);
		expect(await s.labelsWritten('posts', { topic: 'sport' }, 100)).toEqual([]);
		expect(enqueued).toHaveLength(1);

		await train(s, { ...SPEC, retrainAfterNewLabels: 5 });
		expect(await s.labelsWritten('posts', { topic: 'sport' }, 4)).toEqual([]);
		await train(s, { ...SPEC, retrainAfterNewLabels: 5 }); // an admin trains by hand: the count starts again
		expect(await s.labelsWritten('posts', { topic: 'sport' }, 4)).toEqual([]);
		expect(await s.labelsWritten('posts', { topic: 'sport' }, 1)).toEqual([4]);
	});
});
