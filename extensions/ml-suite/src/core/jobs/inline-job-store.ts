import type { DeadLetterEntry } from '../../shared/queue-types.js';
import type { InlineJobRecord } from './inline-job-record.js';
import type { InlineJournal } from './inline-journal.js';
import type { Retention } from './queue-options.js';
import type { QueueName } from './types.js';

export interface ActiveJob {
	record: InlineJobRecord;
	controller: AbortController;
	done: Promise<void>;
}

/** One queue's jobs by state. */
export class InlineLane {
	/** Sorted by priority, then insertion order. */
	readonly waiting: InlineJobRecord[] = [];
	readonly delayed = new Map<string, { record: InlineJobRecord; timer: NodeJS.Timeout }>();
	readonly active = new Map<string, ActiveJob>();
	/** Finish order, oldest first. */
	readonly completed: InlineJobRecord[] = [];
	readonly failed: InlineJobRecord[] = [];
	/** Start times inside the current rate-limit window. */
	readonly starts: number[] = [];
	paused = false;
}

/**
 * In-memory job bookkeeping for the inline backend: lanes per queue, the deduplication index,
 * retention of finished jobs and the dead-letter list. No scheduling decisions live here.
 * Every change is also told to the journal (when there is one), so history survives restarts.
 */
export class InlineJobStore {
	readonly jobs = new Map<string, InlineJobRecord>();
	readonly deadLetters: DeadLetterEntry[] = [];
	private readonly lanes = new Map<QueueName, InlineLane>();
	private readonly dedupe = new Map<string, string>();
	private seq = 0;

	constructor(private readonly journal?: InlineJournal) {}

	/** Puts back a finished job read from the journal (oldest first), without writing it again. */
	restoreFinished(record: InlineJobRecord): void {
		this.jobs.set(record.id, record);
		this.seq = Math.max(this.seq, record.seq);
		this.lane(record.queue)[record.state === 'failed' ? 'failed' : 'completed'].push(record);
	}

	/** Puts back a dead letter read from the journal (oldest first). */
	restoreDeadLetter(entry: DeadLetterEntry): void {
		this.deadLetters.push(entry);
	}

	/** Records a change the store does not make itself (e.g. a job becoming active). */
	touch(record: InlineJobRecord): void {
		this.journal?.saveJob(record);
	}

	lane(queue: QueueName): InlineLane {
		let lane = this.lanes.get(queue);
		if (!lane) {
			lane = new InlineLane();
			this.lanes.set(queue, lane);
		}
		return lane;
	}

	nextSeq(): number {
		return ++this.seq;
	}

	/** The unfinished job holding a deduplication id, if any. */
	findDuplicate(queue: QueueName, key: string): InlineJobRecord | undefined {
		const id = this.dedupe.get(`${queue}\u0000${key}`);
		const record = id === undefined ? undefined : this.jobs.get(id);
		return record && record.state !== 'completed' && record.state !== 'failed' ? record : undefined;
	}

	add(record: InlineJobRecord): void {
		this.jobs.set(record.id, record);
		this.seq = Math.max(this.seq, record.seq);
		if (record.dedupeKey) this.dedupe.set(`${record.queue}\u0000${record.dedupeKey}`, record.id);
	}

	pushWaiting(record: InlineJobRecord): void {
		record.state = 'waiting';
		record.runAt = null;
		const waiting = this.lane(record.queue).waiting;
		let low = 0;
		let high = waiting.length;
		while (low < high) {
			const mid = (low + high) >>> 1;
			const other = waiting[mid]!;
			if (other.priority < record.priority || (other.priority === record.priority && other.seq < record.seq)) low = mid + 1;
			else high = mid;
		}
		waiting.splice(low, 0, record);
		this.journal?.saveJob(record);
	}

	pushDelayed(record: InlineJobRecord, runAt: number, onDue: (record: InlineJobRecord) => void): void {
		record.state = 'delayed';
		record.runAt = runAt;
		const timer = setTimeout(() => onDue(record), Math.max(0, runAt - Date.now()));
		timer.unref();
		this.lane(record.queue).delayed.set(record.id, { record, timer });
		this.journal?.saveJob(record);
	}

	/** Takes a delayed job out of its timer (to promote or remove it). */
	takeDelayed(record: InlineJobRecord): boolean {
		const lane = this.lane(record.queue);
		const entry = lane.delayed.get(record.id);
		if (!entry) return false;
		clearTimeout(entry.timer);
		lane.delayed.delete(record.id);
		return true;
	}

	takeWaiting(record: InlineJobRecord): boolean {
		const waiting = this.lane(record.queue).waiting;
		const index = waiting.indexOf(record);
		if (index < 0) return false;
		waiting.splice(index, 1);
		return true;
	}

	finish(record: InlineJobRecord, outcome: 'completed' | 'failed', keep: Retention, now: number): void {
		record.state = outcome;
		record.finishedAt = now;
		record.runAt = null;
		if (record.dedupeKey) this.dedupe.delete(`${record.queue}\u0000${record.dedupeKey}`);
		const list = this.lane(record.queue)[outcome];
		list.push(record);
		this.journal?.saveJob(record);
		this.journal?.recordOutcome(record.queue, outcome, now);
		const cutoff = now - keep.ageSeconds * 1000;
		while (list.length > 0 && (list.length > keep.count || (list[0]!.finishedAt ?? now) < cutoff)) {
			const evicted = list.shift()!;
			this.jobs.delete(evicted.id);
			this.journal?.removeJob(evicted.id);
		}
	}

	/** Forgets a job that is not active. */
	remove(record: InlineJobRecord): void {
		const lane = this.lane(record.queue);
		this.takeDelayed(record);
		this.takeWaiting(record);
		for (const list of [lane.completed, lane.failed]) {
			const index = list.indexOf(record);
			if (index >= 0) list.splice(index, 1);
		}
		if (record.dedupeKey && this.dedupe.get(`${record.queue}\u0000${record.dedupeKey}`) === record.id) {
			this.dedupe.delete(`${record.queue}\u0000${record.dedupeKey}`);
		}
		this.jobs.delete(record.id);
		this.journal?.removeJob(record.id);
	}

	addDeadLetter(entry: DeadLetterEntry, keep: number): void {
		this.deadLetters.push(entry);
		this.journal?.saveDeadLetter(entry);
		while (this.deadLetters.length > keep) this.journal?.removeDeadLetter(this.deadLetters.shift()!.id);
	}

	removeDeadLetter(id: string): boolean {
		const index = this.deadLetters.findIndex((entry) => entry.id === id);
		if (index < 0) return false;
		this.deadLetters.splice(index, 1);
		this.journal?.removeDeadLetter(id);
		return true;
	}

	clearTimers(): void {
		for (const lane of this.lanes.values()) {
			for (const { timer } of lane.delayed.values()) clearTimeout(timer);
		}
	}
}
