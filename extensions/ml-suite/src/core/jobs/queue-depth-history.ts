import type { Knex } from 'knex';
import type { QueueCounts, QueueDepthInterval, QueueDepthPoint, QueueName } from '../../shared/queue-types.js';

/** Plain table (not a Directus collection) of sampled queue depths. */
export const QUEUE_DEPTH_TABLE = 'ml_queue_depth';

/** Length of each bucket a range is reported in. */
export const QUEUE_DEPTH_STEP_MS: Record<QueueDepthInterval, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** Most buckets one report may hold (a day of minutes, a year of days). */
export const MAX_QUEUE_DEPTH_BUCKETS = 1500;

interface DepthRow {
	bucket: number | string;
	queue: QueueName;
	depth: number | string;
}

/**
 * How deep each queue was over time: jobs waiting (prioritized included), active and delayed,
 * sampled periodically (see `QueueDepthSampler`) into a plain table of the shared database, so
 * every backend and every Directus instance reads the same history. Rows are pruned by age.
 * Times are stored as epoch milliseconds so buckets are the same integer arithmetic on SQLite and
 * PostgreSQL.
 */
export class QueueDepthHistory {
	private ready: Promise<void> | undefined;

	constructor(
		private readonly knex: Knex,
		private readonly table: string = QUEUE_DEPTH_TABLE,
	) {}

	/** Stores one sample per queue taken at `at`. A second sample of a queue at the same instant is ignored. */
	async record(at: Date, queues: readonly QueueCounts[]): Promise<void> {
		if (queues.length === 0) return;
		await this.init();
		const rows = queues.map((q) => ({ sampled_at: at.getTime(), queue: q.queue, waiting: q.counts.waiting + q.counts.prioritized, active: q.counts.active, delayed: q.counts.delayed }));
		await this.knex(this.table).insert(rows).onConflict(['sampled_at', 'queue']).ignore();
	}

	/** Deletes samples taken before `before`; returns how many. */
	async prune(before: Date): Promise<number> {
		await this.init();
		return this.knex(this.table).where('sampled_at', '<', before.getTime()).delete();
	}

	/**
	 * The deepest each queue was (waiting + active + delayed) in each bucket of `[from, to)` that
	 * has samples, oldest first. Buckets start at multiples of the interval since the epoch (UTC).
	 */
	async range(options: { from: Date; to: Date; interval: QueueDepthInterval; queue?: QueueName }): Promise<QueueDepthPoint[]> {
		const step = QUEUE_DEPTH_STEP_MS[options.interval];
		await this.init();
		// `step` is one of three integer constants, never input: inlined so both databases divide integers.
		const bucket = `(?? / ${step}) * ${step}`;
		const rows: DepthRow[] = await this.knex(this.table)
			.select(this.knex.raw(`${bucket} as ??`, ['sampled_at', 'bucket']), 'queue', this.knex.raw('MAX(?? + ?? + ??) as ??', ['waiting', 'active', 'delayed', 'depth']))
			.where('sampled_at', '>=', options.from.getTime())
			.andWhere('sampled_at', '<', options.to.getTime())
			.modify((q) => {
				if (options.queue) void q.where('queue', options.queue);
			})
			.groupByRaw(bucket, ['sampled_at'])
			.groupBy('queue')
			.orderBy([{ column: 'bucket' }, { column: 'queue' }]);
		return rows.map((r) => ({ at: new Date(Number(r.bucket)).toISOString(), queue: r.queue, depth: Number(r.depth) }));
	}

	private init(): Promise<void> {
		this.ready ??= ensureQueueDepthTable(this.knex, this.table).catch((error: unknown) => {
			this.ready = undefined;
			throw error;
		});
		return this.ready;
	}
}

/** Creates the samples table if missing (idempotent; safe when several processes start at once). */
export async function ensureQueueDepthTable(knex: Knex, table: string = QUEUE_DEPTH_TABLE): Promise<void> {
	if (await knex.schema.hasTable(table)) return;
	try {
		await knex.schema.createTable(table, (t) => {
			t.bigInteger('sampled_at').notNullable();
			t.string('queue', 32).notNullable();
			t.integer('waiting').notNullable();
			t.integer('active').notNullable();
			t.integer('delayed').notNullable();
			t.primary(['sampled_at', 'queue']);
		});
	} catch (error) {
		// Another process created it between the check and the create.
		if (!(await knex.schema.hasTable(table))) throw error;
	}
}
