import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { retryWhileBusy } from '../database/busy-retry.js';
import { ClassifierVersions, ensureClassifierTables } from './classifier-versions.js';
import type { ClassifierArtifact, TrainingSpec } from './types.js';

const SPEC: TrainingSpec = { collection: 'posts', textFields: ['body'], labelField: 'topic', filter: null, features: 'tfidf', testRatio: 0.2, minExamplesPerClass: 3, epochs: 5 };

/** Two connections to one SQLite file, configured like Directus's (foreign keys on, the driver's default busy timeout). */
function sqlite(filename: string): Knex {
	return knexFactory({
		client: 'sqlite3',
		connection: { filename },
		useNullAsDefault: true,
		pool: { afterCreate: (conn: { run(sql: string): void }, done: (error: Error | null, conn: unknown) => void) => (conn.run('PRAGMA foreign_keys = ON'), done(null, conn)) },
	});
}

/** A version's weights the size of a 20 Newsgroups run (20 classes × 20,000 features: megabytes of JSON). */
function bigArtifact(): ClassifierArtifact {
	const features = 20_000;
	const classes = 20;
	return {
		format: 1,
		labels: Array.from({ length: classes }, (_, i) => `group-${i}`),
		features: 'tfidf',
		tfidf: { vocabulary: Array.from({ length: features }, (_, i) => `term${i}`), idf: Array.from({ length: features }, (_, i) => 1 + i / features), bigrams: true },
		embedding: null,
		model: { classes, features, weights: Array.from({ length: classes * features }, (_, i) => Math.sin(i) / 7), bias: new Array<number>(classes).fill(0.1) },
	};
}

/**
 * The separate-worker topology: a standalone `ml:worker` stores the version it trained in the
 * SQLite file Directus serves from. Directus writes to the same file all the time (usage rows,
 * rollups, activity), in transactions that read before they write. The version write must wait
 * its turn, not fail with SQLITE_BUSY.
 */
describe('ClassifierVersions on a SQLite file shared with another writer', () => {
	const dir = mkdtempSync(join(tmpdir(), 'ml-versions-'));
	const file = join(dir, 'data.db');
	let directus: Knex;
	let worker: Knex;

	beforeAll(async () => {
		directus = sqlite(file);
		worker = sqlite(file);
		await ensureClassifierTables(directus);
		await directus.schema.createTable('usage_rows', (t) => {
			t.increments('id');
			t.string('route');
			t.integer('tokens');
		});
	});

	afterAll(async () => {
		await worker?.destroy();
		await directus?.destroy();
		rmSync(dir, { recursive: true, force: true });
	});

	it('completes versions while the other process keeps writing (usage flushes: read, then write, in one transaction)', async () => {
		// A version write that has not got its turn within 10 s has been starved by the other writer.
		const versions = new ClassifierVersions(worker, { maxWaitMs: 10_000 });
		const artifact = bigArtifact();
		const metrics = { accuracy: 0.8, macroF1: 0.79, size: 10, perClass: [], confusion: [] } as never;
		let stop = false;
		let flushes = 0;
		const flusher = (async () => {
			while (!stop) {
				// Whichever side SQLite makes back off writes again (the suite's usage recorder keeps a failed batch for its next flush).
				await retryWhileBusy(() =>
					directus.transaction(async (trx) => {
						await trx('usage_rows').count({ n: '*' }).first();
						await trx('usage_rows').insert({ route: 'POST /ml/search', tokens: 12 });
						await new Promise((r) => setTimeout(r, 5));
						await trx('usage_rows').insert({ route: 'POST /ml/search', tokens: 3 });
					}),
				);
				flushes++;
			}
		})();
		const outcomes: PromiseSettledResult<void>[] = [];
		try {
			for (let i = 0; i < 4; i++) {
				const v = await versions.create('c0ffee00-0000-4000-8000-000000000002', SPEC, null);
				await versions.markTraining(v.id, `job:${v.id}`);
				const [outcome] = await Promise.allSettled([versions.complete(v.id, { artifactJson: JSON.stringify(artifact), labels: artifact.labels, metrics, trainSize: 8, testSize: 2, trainingMs: 5 })]);
				outcomes.push(outcome!);
			}
		} finally {
			stop = true;
			await flusher;
		}
		const errors = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => String((o.reason as Error).message).slice(-200));
		expect(errors).toEqual([]);
		expect(flushes).toBeGreaterThan(0);
		const all = await versions.list('c0ffee00-0000-4000-8000-000000000002');
		expect(all.map((v) => v.status)).toEqual(['ready', 'ready', 'ready', 'ready']);
		expect(all.filter((v) => v.active).map((v) => v.version)).toEqual([1]);
		expect((await versions.artifact(all[0]!.id)).model.weights.length).toBe(400_000);
	});
});
