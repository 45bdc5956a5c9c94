import type { MlConfig } from '../config.js';
import type { ReconcileOptions } from '../indexing/indexing-jobs.js';
import { QueueDepthSampler, type QueueDepthSamplerDeps } from './queue-depth-sampler.js';

/** The settings the sweeper reads (see the README's configuration reference). */
export type SweeperConfig = Pick<
	MlConfig,
	| 'ML_RECONCILE_INTERVAL_SECONDS'
	| 'ML_RECONCILE_VERIFY_BATCH'
	| 'ML_FAILED_RETRY_MAX_ATTEMPTS'
	| 'ML_FAILED_RETRY_AFTER_SECONDS'
	| 'ML_USAGE_RETENTION_DAYS'
	| 'ML_QUEUE_DEPTH_SAMPLE_SECONDS'
	| 'ML_QUEUE_DEPTH_RETENTION_DAYS'
	| 'ML_TRANSCRIPTION_STUCK_MAX_ATTEMPTS'
>;

export interface SweeperDeps {
	/** Requeues pending and diverged documents (`reconcile` of the indexing jobs). */
	reconcile(options: ReconcileOptions): Promise<{ requeued: number; diverged: number; retried: number }>;
	/** Requeues (or fails) transcripts a stopped worker left queued or processing. */
	sweepTranscripts(): Promise<{ requeued: readonly string[]; failed: readonly string[]; unqueued: readonly { file: string; error: string }[] }>;
	/** Deletes past budget counters. */
	pruneBudgets(): Promise<unknown>;
	/** Deletes `ml_usage` rows older than `before` (hourly rollups stay); returns how many. */
	pruneUsage(before: Date): Promise<number>;
	/** Queue counts and their history, for the depth sampler. */
	queueDepth: Pick<QueueDepthSamplerDeps, 'listQueues' | 'history'>;
	/**
	 * A lease per chore shared by every process (`KnexLeaseLock`), so that one Directus instance or
	 * worker does it at a time.
	 */
	lock: { tryAcquire(name: string, ttlMs: number): Promise<boolean>; release(name: string): Promise<void> };
	logger: { info(message: string): void; warn(message: string): void };
	/** Clock, for tests. Default: `Date.now`. */
	now?: () => number;
}

/**
 * The periodic chores: the reconcile sweep (pending, diverged and temporarily failed documents,
 * stuck transcripts), usage pruning and queue depth sampling. Every Directus instance and worker
 * runs the timers; a lease per chore lets one of them do it at a time.
 */
export class Sweeper {
	private reconcileTimer: NodeJS.Timeout | null = null;
	private pruneTimer: NodeJS.Timeout | null = null;
	private depthSampler: QueueDepthSampler | null = null;
	private readonly verifyCursors = new Map<string, string | null>();
	// Set when a save could not enqueue its work: those rows are pending and nothing is in flight
	// for them, so the next sweep does not wait for them to age.
	private backlog = false;
	private running = false;
	private stopped = false;
	private readonly now: () => number;

	constructor(
		private readonly config: SweeperConfig,
		private readonly deps: SweeperDeps,
	) {
		this.now = deps.now ?? Date.now;
	}

	/** Enqueues pending documents untouched for `olderThanSeconds`, and items whose indexed text diverged. */
	reconcileNow(olderThanSeconds = 30): Promise<{ requeued: number; diverged: number; retried: number }> {
		const { ML_FAILED_RETRY_MAX_ATTEMPTS, ML_FAILED_RETRY_AFTER_SECONDS } = this.config;
		return this.deps.reconcile({
			olderThanSeconds,
			cursors: this.verifyCursors,
			verifyPerIndex: this.config.ML_RECONCILE_VERIFY_BATCH,
			...(ML_FAILED_RETRY_MAX_ATTEMPTS > 0 ? { retryFailed: { maxAttempts: ML_FAILED_RETRY_MAX_ATTEMPTS, olderThanSeconds: ML_FAILED_RETRY_AFTER_SECONDS } } : {}),
		});
	}

	/** Called when enqueueing failed: the next sweep then requeues pending rows at once. */
	noteEnqueueFailure(): void {
		this.backlog = true;
	}

	/** A provider is back: what failed during its outage is retried now, not after the next sweep. */
	requeueOnRecovery(breakers: { onRecover(listener: (endpoint: string) => void): void }): void {
		breakers.onRecover((endpoint) => {
			if (this.config.ML_FAILED_RETRY_MAX_ATTEMPTS <= 0) return;
			this.deps.logger.info(`[ml-suite] provider ${endpoint} answers again; requeueing documents that failed during the outage`);
			void this.deps
				.reconcile({ olderThanSeconds: 3600, verifyPerIndex: 0, retryFailed: { maxAttempts: this.config.ML_FAILED_RETRY_MAX_ATTEMPTS, olderThanSeconds: 0 } })
				.catch((error: unknown) => this.deps.logger.warn(`[ml-suite] requeueing after provider recovery failed: ${(error as Error).message}`));
		});
	}

	/** Starts the timers (once; a second call does nothing). */
	start(): void {
		const { config, deps } = this;
		if (config.ML_QUEUE_DEPTH_SAMPLE_SECONDS > 0 && !this.depthSampler) {
			this.depthSampler = new QueueDepthSampler(
				{ intervalMs: config.ML_QUEUE_DEPTH_SAMPLE_SECONDS * 1000, retentionMs: config.ML_QUEUE_DEPTH_RETENTION_DAYS * 86_400_000 },
				{ ...deps.queueDepth, lock: deps.lock, logger: deps.logger, now: this.now },
			);
			this.depthSampler.start();
		}
		if (config.ML_RECONCILE_INTERVAL_SECONDS <= 0 || this.reconcileTimer) return;
		this.reconcileTimer = setInterval(() => void this.sweep(), this.intervalMs());
		this.reconcileTimer.unref();
		if (config.ML_USAGE_RETENTION_DAYS > 0 && !this.pruneTimer) {
			// Hourly: rows are pruned by whole hours, and one process holds the lease for two.
			this.pruneTimer = setInterval(() => void this.prune(), 3_600_000);
			this.pruneTimer.unref();
			void this.prune();
		}
	}

	/** One reconcile sweep, under the `reconcile` lease; skipped while one runs or after `stop()`. */
	async sweep(): Promise<void> {
		if (this.running || this.stopped) return;
		const { logger } = this.deps;
		this.running = true;
		const olderThan = this.backlog ? 0 : 30;
		this.backlog = false;
		try {
			// One sweeper at a time across instances and workers; the holder renews its lease
			// each sweep and loses it two intervals after it stops (e.g. it died).
			if (!(await this.deps.lock.tryAcquire('reconcile', this.intervalMs() * 2 + 5_000))) return;
			try {
				const { requeued, diverged, retried } = await this.reconcileNow(olderThan);
				if (requeued > 0) logger.info(`[ml-suite] reconcile: requeued ${requeued} pending documents`);
				if (retried > 0) logger.info(`[ml-suite] reconcile: retrying ${retried} documents that failed temporarily`);
				if (diverged > 0) logger.info(`[ml-suite] reconcile: ${diverged} indexed documents differed from their items; re-indexing them`);
			} catch (error) {
				this.backlog ||= olderThan === 0;
				logger.warn(`[ml-suite] reconcile sweep failed: ${(error as Error).message}`);
			}
			// Transcripts a stopped worker left queued or processing, under the same lease.
			const stuck = await this.deps.sweepTranscripts();
			if (stuck.requeued.length > 0) logger.info(`[ml-suite] requeued ${stuck.requeued.length} transcripts a stopped worker left behind`);
			if (stuck.failed.length > 0) logger.warn(`[ml-suite] marked ${stuck.failed.length} transcripts failed: left behind by a stopped worker ${this.config.ML_TRANSCRIPTION_STUCK_MAX_ATTEMPTS} times`);
			for (const u of stuck.unqueued) logger.warn(`[ml-suite] could not requeue the transcript of file ${u.file}: ${u.error}`);
		} catch (error) {
			logger.warn(`[ml-suite] sweep failed: ${(error as Error).message}`);
		} finally {
			this.running = false;
		}
	}

	/** Usage retention: past budget counters and old `ml_usage` rows, under the `usage-prune` lease. */
	async prune(): Promise<void> {
		const { config, deps } = this;
		try {
			if (this.stopped || !(await deps.lock.tryAcquire('usage-prune', 2 * 3_600_000))) return;
			await deps.pruneBudgets().catch((error: unknown) => deps.logger.warn(`[ml-suite] pruning past budget counters failed: ${(error as Error).message}`));
			const deleted = await deps.pruneUsage(new Date(this.now() - config.ML_USAGE_RETENTION_DAYS * 86_400_000));
			if (deleted > 0) deps.logger.info(`[ml-suite] usage retention: deleted ${deleted} ml_usage rows older than ${config.ML_USAGE_RETENTION_DAYS} days (hourly rollups kept)`);
		} catch (error) {
			deps.logger.warn(`[ml-suite] usage retention pruning failed: ${(error as Error).message}`);
		}
	}

	/** Stops the timers; sweeps and prunes no longer run. */
	stop(): void {
		this.stopped = true;
		if (this.reconcileTimer) clearInterval(this.reconcileTimer);
		if (this.pruneTimer) clearInterval(this.pruneTimer);
		this.depthSampler?.stop();
	}

	/** Gives up this process's leases, so another process takes the chores over at once. */
	async releaseLeases(): Promise<void> {
		await this.deps.lock.release('reconcile').catch(() => undefined);
		await this.deps.lock.release('queue-depth').catch(() => undefined);
	}

	private intervalMs(): number {
		return this.config.ML_RECONCILE_INTERVAL_SECONDS * 1000;
	}
}
