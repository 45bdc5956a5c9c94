import knexFactory, { type Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TranscriptRepository } from './transcript-repository.js';
import { sweepStuckTranscripts } from './transcription-jobs.js';

describe('stuck transcripts sweep', () => {
	let knex: Knex;
	let repo: TranscriptRepository;
	const queued: { fileId: string; model: string | null }[] = [];
	const minutesAgo = (n: number): Date => new Date(Date.now() - n * 60_000);
	const row = async (file: string): Promise<Record<string, unknown>> => (await knex('ml_transcripts').where({ file }).first()) as Record<string, unknown>;

	beforeEach(async () => {
		knex = knexFactory({ client: 'sqlite3', connection: { filename: ':memory:' }, useNullAsDefault: true, pool: { min: 1, max: 1 } });
		await knex.schema.createTable('ml_transcripts', (t) => {
			t.uuid('id').primary();
			t.uuid('file').unique();
			t.string('status');
			t.integer('progress');
			t.string('language');
			t.float('duration');
			t.string('model');
			t.text('text');
			t.json('segments');
			t.text('error');
			t.integer('attempts');
			t.json('timings');
			t.timestamp('date_completed');
			t.timestamp('date_created');
			t.timestamp('date_updated');
		});
		repo = new TranscriptRepository(knex);
		queued.length = 0;
	});
	afterEach(async () => {
		await knex.destroy();
	});

	const leave = async (file: string, status: string, attempts: number, updated: Date | null, created: Date = minutesAgo(120)): Promise<void> => {
		await knex('ml_transcripts').insert({ id: `id-${file}`, file, status, progress: 30, attempts, model: status === 'queued' ? 'whisper-large' : null, segments: '[]', date_created: created, date_updated: updated });
	};
	const deps = { transcripts: () => repo, enqueue: async (fileId: string, model: string | null) => void queued.push({ fileId, model }) };

	it('requeues rows left queued or processing past the bound and fails those started too often, with the reason; fresh and finished rows are left alone', async () => {
		await leave('a', 'processing', 1, minutesAgo(45));
		await leave('b', 'queued', 0, minutesAgo(31));
		await leave('c', 'processing', 3, minutesAgo(60));
		await leave('d', 'processing', 1, minutesAgo(5));
		await leave('e', 'completed', 1, minutesAgo(600));
		await leave('f', 'failed', 1, minutesAgo(600));
		await leave('g', 'queued', 0, null, minutesAgo(90));

		const result = await sweepStuckTranscripts({ transcripts: deps.transcripts(), enqueue: deps.enqueue }, { olderThanSeconds: 1800, maxAttempts: 3 });
		expect(result.requeued.sort()).toEqual(['a', 'b', 'g']);
		expect(result.failed).toEqual(['c']);
		expect(queued.sort((x, y) => x.fileId.localeCompare(y.fileId))).toEqual([
			{ fileId: 'a', model: null },
			{ fileId: 'b', model: 'whisper-large' },
			{ fileId: 'g', model: 'whisper-large' },
		]);
		for (const file of ['a', 'b', 'g']) expect(await row(file)).toMatchObject({ status: 'queued', progress: 0, error: null });
		const c = await row('c');
		expect(c.status).toBe('failed');
		expect(c.error).toMatch(/left processing since .* by a worker that stopped, after 3 attempts\. Use retry/);
		expect((await row('d')).status).toBe('processing');
		expect((await row('e')).status).toBe('completed');
		expect((await row('f')).status).toBe('failed');

		// Requeued rows are fresh again: a second sweep right away touches nothing.
		queued.length = 0;
		expect(await sweepStuckTranscripts({ transcripts: repo, enqueue: deps.enqueue }, { olderThanSeconds: 1800, maxAttempts: 3 })).toEqual({ requeued: [], failed: [], unqueued: [] });
		expect(queued).toEqual([]);
	});

	it('leaves a row a worker updated after it was found to that worker', async () => {
		await leave('a', 'processing', 1, minutesAgo(45));
		const racing = {
			...repo,
			stale: (before: Date) => repo.stale(before),
			requeueIfStale: async (file: string, before: Date) => {
				// The worker reports progress between the sweep's read and its update.
				await repo.progress(file, 60);
				return repo.requeueIfStale(file, before);
			},
			failIfStale: (file: string, before: Date, message: string) => repo.failIfStale(file, before, message),
		} as unknown as TranscriptRepository;
		const result = await sweepStuckTranscripts({ transcripts: racing, enqueue: deps.enqueue }, { olderThanSeconds: 1800, maxAttempts: 3 });
		expect(result.requeued).toEqual([]);
		expect(queued).toEqual([]);
		expect(await row('a')).toMatchObject({ status: 'processing', progress: 60 });
	});

	it('keeps a row it could not queue again as queued, to be found one bound later', async () => {
		await leave('a', 'processing', 1, minutesAgo(45));
		const result = await sweepStuckTranscripts(
			{
				transcripts: repo,
				enqueue: async () => {
					throw new Error('Redis is down');
				},
			},
			{ olderThanSeconds: 1800, maxAttempts: 3 },
		);
		expect(result).toEqual({ requeued: [], failed: [], unqueued: [{ file: 'a', error: 'Redis is down' }] });
		expect((await row('a')).status).toBe('queued');
		const later = await sweepStuckTranscripts({ transcripts: repo, enqueue: deps.enqueue, now: () => new Date(Date.now() + 1801_000) }, { olderThanSeconds: 1800, maxAttempts: 3 });
		expect(later.requeued).toEqual(['a']);
	});
});
