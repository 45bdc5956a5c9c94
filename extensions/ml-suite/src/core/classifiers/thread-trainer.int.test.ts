import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MlError } from '../errors.js';
import { threadTrainer } from './thread-trainer.js';
import { trainClassifier } from './train-classifier.js';
import type { Example, TrainingSpec } from './types.js';

/** The training thread as the server runs it: the entry built beside the API bundle (integration global set-up builds it). */
const SCRIPT = join(import.meta.dirname, '..', '..', '..', 'dist', 'classifier-training.mjs');

const SPEC: TrainingSpec = { collection: 'posts', textFields: ['body'], labelField: 'topic', filter: null, features: 'tfidf', testRatio: 0.25, minExamplesPerClass: 3, epochs: 10 };
const WORDS: Record<string, string[]> = {
	sport: ['match', 'team', 'goal', 'player', 'league', 'coach', 'score', 'season'],
	food: ['recipe', 'chef', 'dish', 'kitchen', 'flavour', 'dinner', 'bake', 'taste'],
	tech: ['software', 'database', 'server', 'code', 'network', 'chip', 'cloud', 'algorithm'],
};

function examples(n: number): Example[] {
	const labels = Object.keys(WORDS);
	return Array.from({ length: n }, (_, i) => {
		const label = labels[i % 3]!;
		const w = WORDS[label]!;
		return { text: `${w[i % 8]} people ${w[(i * 5 + 1) % 8]} week ${w[(i * 7 + 3) % 8]}`, label };
	});
}

/** Nice value of each thread of this process (Linux: /proc/self/task/<tid>/stat, field 19). */
function threadNiceness(): Map<number, number> {
	const out = new Map<number, number>();
	for (const tid of readdirSync('/proc/self/task')) {
		try {
			const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
			const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			out.set(Number(tid), Number(fields[16]));
		} catch {
			// the thread ended while we read
		}
	}
	return out;
}

describe.runIf(existsSync(SCRIPT))('threadTrainer (classifier training in a worker thread)', () => {
	it.runIf(process.platform === 'linux')('trains at the lowest CPU priority, so requests on the main thread come first', async () => {
		const before = [...threadNiceness().values()].filter((n) => n === 19).length;
		let during: Map<number, number> | undefined;
		const embed = async (texts: string[]) => {
			// The thread is alive (it waits for this answer): look at every thread's priority now.
			during ??= threadNiceness();
			return { embeddings: texts.map((t) => [t.length / 100, 1]), model: 'embedder-1', dimensions: 2 };
		};
		await threadTrainer({ script: SCRIPT, maxHeapMb: 256 })(examples(60), { ...SPEC, features: 'tfidf+embedding' }, { embed });
		expect(during?.get(process.pid)).toBe(0);
		expect([...during!.values()].filter((n) => n === 19).length).toBe(before + 1);
	});

	it('trains exactly what training in this thread trains, streaming progress back', async () => {
		const data = examples(90);
		const phases: string[] = [];
		const outcome = await threadTrainer({ script: SCRIPT, maxHeapMb: 256 })(data, SPEC, { progress: (p) => void phases.push(p.phase) });
		const here = await trainClassifier(data, SPEC);
		expect(JSON.parse(outcome.artifactJson)).toEqual(here.artifact);
		expect(outcome.labels).toEqual(['food', 'sport', 'tech']);
		expect(outcome.metrics).toEqual(here.metrics);
		expect([outcome.trainSize, outcome.testSize]).toEqual([here.trainSize, here.testSize]);
		expect(phases[0]).toBe('features');
		expect(phases).toContain('training');
		expect(phases.at(-1)).toBe('done');
	});

	it('asks this side for embeddings (the provider lives here) and uses them as features', async () => {
		const data = examples(60);
		const asked: number[] = [];
		const embed = async (texts: string[]) => {
			asked.push(texts.length);
			return { embeddings: texts.map((t) => [t.includes('match') || t.includes('goal') ? 1 : 0, t.length / 100]), model: 'embedder-1', dimensions: 2 };
		};
		const outcome = await threadTrainer({ script: SCRIPT, maxHeapMb: 256 })(data, { ...SPEC, features: 'tfidf+embedding' }, { embed });
		expect(asked.reduce((a, b) => a + b, 0)).toBe(60);
		expect(JSON.parse(outcome.artifactJson).embedding).toEqual({ model: 'embedder-1', dimensions: 2 });
	});

	it('keeps a 4xx a 4xx across the thread boundary, and passes embedding failures through', async () => {
		const error = await threadTrainer({ script: SCRIPT, maxHeapMb: 256 })(examples(60), { ...SPEC, features: 'embedding' }, {}).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(MlError);
		expect((error as MlError).status).toBe(400);
		expect((error as Error).message).toMatch(/need an embedding model/);
		const failing = await threadTrainer({ script: SCRIPT, maxHeapMb: 256 })(examples(60), { ...SPEC, features: 'embedding' }, {
			embed: async () => {
				throw new Error('provider unreachable');
			},
		}).catch((e: unknown) => e);
		expect((failing as Error).message).toBe('provider unreachable');
	});

	it('stops the thread when the job is cancelled', async () => {
		const controller = new AbortController();
		const run = threadTrainer({ script: SCRIPT, maxHeapMb: 256 })(examples(3000), { ...SPEC, epochs: 500 }, {
			signal: controller.signal,
			progress: (p) => {
				if (p.phase === 'training') controller.abort(new Error('cancelled by the operator'));
			},
		});
		await expect(run).rejects.toThrow('cancelled by the operator');
	});

	it('bounds the thread’s memory: a run that needs more than its heap limit fails with a message naming the setting', async () => {
		// About 40 MB of distinct text for a thread allowed 16 MB.
		const big = Array.from({ length: 4000 }, (_, i) => ({ text: Array.from({ length: 1000 }, (_, j) => `w${i}x${j}`).join(' '), label: `c${i % 4}` }));
		await expect(threadTrainer({ script: SCRIPT, maxHeapMb: 16 })(big, SPEC, {})).rejects.toThrow(/ML_CLASSIFIER_THREAD_MEMORY_MB/);
	});
});
