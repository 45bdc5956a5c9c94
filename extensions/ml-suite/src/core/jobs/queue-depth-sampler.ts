import type { QueueCounts } from '../../shared/queue-types.js';
import type { QueueDepthHistory } from './queue-depth-history.js';

export interface QueueDepthSamplerOptions {
	/** Milliseconds between samples. */
	intervalMs: number;
	/** Samples older than this many milliseconds are deleted as new ones are taken. */
	retentionMs: number;
}

export interface QueueDepthSamplerDeps {
	/** Current counts of every queue (`QueueAdmin.listQueues`). */
	listQueues(): Promise<{ queues: readonly QueueCounts[] }>;
	history: Pick<QueueDepthHistory, 'record' | 'prune'>;
	/**
	 * A lease shared by every process (`KnexLeaseLock`), so that one Directus instance or worker
	 * samples at a time, whichever holds it.
	 */
	lock: { tryAcquire(name: string, ttlMs: number): Promise<boolean> };
	logger: { warn(message: string): void };
	/** Clock, for tests. Default: `Date.now`. */
	now?: () => number;
}

/** How deep the queues were, every `intervalMs`, kept for `retentionMs`. */
export class QueueDepthSampler {
	private timer: NodeJS.Timeout | null = null;
	private running = false;
	private readonly now: () => number;

	constructor(
		private readonly options: QueueDepthSamplerOptions,
		private readonly deps: QueueDepthSamplerDeps,
	) {
		this.now = deps.now ?? Date.now;
	}

	/** Takes a sample now and then every interval, until `stop()`. */
	start(): void {
		if (this.timer) return;
		this.timer = setInterval(() => void this.sampleOnce(), this.options.intervalMs);
		this.timer.unref();
		void this.sampleOnce();
	}

	stop(): void {
		if (this.timer) clearInterval(this.timer);
		this.timer = null;
	}

	/**
	 * One tick: if this process holds the lease, records every queue's depth and prunes expired
	 * samples. Returns whether it sampled. Failures are logged, never thrown (a tick runs on a timer).
	 */
	async sampleOnce(): Promise<boolean> {
		if (this.running) return false;
		this.running = true;
		try {
			// Held for two intervals: when its holder stops, another process takes over soon after.
			if (!(await this.deps.lock.tryAcquire('queue-depth', this.options.intervalMs * 2 + 5_000))) return false;
			const at = this.now();
			const { queues } = await this.deps.listQueues();
			await this.deps.history.record(new Date(at), queues);
			await this.deps.history.prune(new Date(at - this.options.retentionMs));
			return true;
		} catch (error) {
			this.deps.logger.warn(`[ml-suite] sampling the queue depth failed: ${(error as Error).message}`);
			return false;
		} finally {
			this.running = false;
		}
	}
}
