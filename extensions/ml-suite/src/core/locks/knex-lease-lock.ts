import type { Knex } from 'knex';

export interface KnexLeaseLockOptions {
	/** Who holds the lock (unique per process), e.g. `host:pid:random`. */
	holder: string;
	/** Plain table holding the leases (not a Directus collection). Default: `ml_locks`. */
	table?: string;
	/** Clock, for tests. Default: `Date.now`. */
	now?: () => number;
}

/**
 * Named leases in the shared database, so that several processes (Directus instances, standalone
 * workers) agree on who does a periodic chore such as the reconcile sweep. A lease is taken when
 * free or expired and renewed by its holder; a holder that dies loses it when it expires. Works
 * the same on SQLite and PostgreSQL and needs no Redis, so it also coordinates inline-queue
 * instances and keeps working while Redis is down.
 */
export class KnexLeaseLock {
	private readonly table: string;
	private readonly now: () => number;
	private ready: Promise<void> | undefined;

	constructor(
		private readonly db: Knex,
		private readonly options: KnexLeaseLockOptions,
	) {
		this.table = options.table ?? 'ml_locks';
		this.now = options.now ?? Date.now;
	}

	get holder(): string {
		return this.options.holder;
	}

	/** Takes or renews the lease for `ttlMs`. True when this holder has it now. */
	async tryAcquire(name: string, ttlMs: number): Promise<boolean> {
		await this.init();
		const now = this.now();
		await this.db(this.table).insert({ name, holder: null, expires_at: 0 }).onConflict('name').ignore();
		const updated = await this.db(this.table)
			.where('name', name)
			.where((q) => q.where('expires_at', '<=', now).orWhere('holder', this.options.holder))
			.update({ holder: this.options.holder, expires_at: now + ttlMs });
		return Number(updated) === 1;
	}

	/** Gives the lease up (only if held by this holder). */
	async release(name: string): Promise<void> {
		await this.init();
		await this.db(this.table).where({ name, holder: this.options.holder }).update({ holder: null, expires_at: 0 });
	}

	/** Current holder of a lease, or null when free or expired. */
	async holderOf(name: string): Promise<string | null> {
		await this.init();
		const row = await this.db(this.table).where('name', name).first();
		return row && Number(row.expires_at) > this.now() ? ((row.holder as string | null) ?? null) : null;
	}

	private init(): Promise<void> {
		this.ready ??= (async () => {
			if (await this.db.schema.hasTable(this.table)) return;
			await this.db.schema
				.createTable(this.table, (t) => {
					t.string('name', 128).primary();
					t.string('holder', 255).nullable();
					t.bigInteger('expires_at').notNullable().defaultTo(0);
				})
				.catch(async (error: unknown) => {
					// Another process created it first.
					if (!(await this.db.schema.hasTable(this.table))) throw error;
				});
		})().catch((error: unknown) => {
			this.ready = undefined;
			throw error;
		});
		return this.ready;
	}
}
