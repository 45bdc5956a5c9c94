import type { DeadLetterEntry } from '../../shared/queue-types.js';
import type { InlineJobRecord } from './inline-job-record.js';
import type { QueueName } from './types.js';

/** What the inline queue finds in its journal at start-up. */
export interface InlineJournalSnapshot {
	/** Jobs kept by retention (finished) and jobs a previous process left unfinished, oldest first. */
	jobs: InlineJobRecord[];
	/** Dead letters, oldest first. */
	deadLetters: DeadLetterEntry[];
	/** Completed/failed counts per queue and minute (epoch minutes). */
	throughput: { queue: QueueName; minute: number; completed: number; failed: number }[];
	/** Highest job id ever handed out (0 when none): ids continue after it. */
	lastJobId: number;
	/** Highest dead-letter number ever handed out. */
	lastDeadLetterId: number;
}

/**
 * Durable history for the inline queue, so jobs, failures, dead letters and throughput survive
 * a restart and job ids never start over (BullMQ keeps the same in Redis). Writes are
 * write-behind: every method returns at once, never throws, and never makes a job wait on
 * the database; `flush()` waits for what was recorded so far.
 */
export interface InlineJournal {
	load(): Promise<InlineJournalSnapshot>;
	/** Records a job's current state (created, waiting, delayed, retried, finished). */
	saveJob(record: InlineJobRecord): void;
	/** Forgets a job (removed by an admin, cleaned, or evicted by retention). */
	removeJob(id: string): void;
	saveDeadLetter(entry: DeadLetterEntry): void;
	removeDeadLetter(id: string): void;
	/** Counts one finished job in its minute. */
	recordOutcome(queue: QueueName, outcome: 'completed' | 'failed', at: number): void;
	flush(): Promise<void>;
	close(): Promise<void>;
}
