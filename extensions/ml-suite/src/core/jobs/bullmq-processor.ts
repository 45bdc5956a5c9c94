import type { Job, Processor, Queue as BullQueue } from 'bullmq';
import { UnrecoverableError } from 'bullmq';
import type { DeadLetterRecord } from './bullmq-job-mapper.js';
import { describeItem } from './bullmq-job-mapper.js';
import { failureMessage, failureStack, isUnrecoverable } from './job-failure.js';
import type { JobRegistry } from './job-registry.js';
import type { JobDepsResolver } from './queue-options.js';
import type { JobContext, QueueName } from './types.js';
import { UnrecoverableJobError } from './unrecoverable-job-error.js';

/** Minimal logger (Directus's pino and the worker script's console both fit). */
export interface QueueLogger {
	warn(obj: unknown, msg?: string): void;
	error(obj: unknown, msg?: string): void;
}

export interface ProcessorDeps {
	queue: QueueName;
	registry: JobRegistry;
	jobDeps: JobDepsResolver;
	deadLetters: BullQueue;
	logger: QueueLogger;
	/** Errors the processor already dead-lettered, so the worker's `failed` listener skips them. */
	handled: WeakSet<Error>;
}

/**
 * Runs a registered job for a BullMQ worker: re-validates the payload, builds the job context,
 * turns non-retryable failures into BullMQ's `UnrecoverableError`, and writes the dead-letter
 * record before the final failure is reported, so the record exists once the job is `failed`.
 */
export function createProcessor(deps: ProcessorDeps): Processor {
	return async (job: Job, _token?: string, signal?: AbortSignal): Promise<unknown> => {
		const attempt = job.attemptsMade + 1;
		const definition = deps.registry.find(job.name);
		try {
			if (!definition) throw new UnrecoverableJobError(`No job "${job.name}" is registered in this worker.`);
			const ctx: JobContext = {
				jobId: String(job.id),
				attempt,
				signal: signal ?? new AbortController().signal,
				progress: (value) => job.updateProgress(value),
				log: async (message) => {
					await job.log(message);
				},
			};
			return await definition.process(job.data, await deps.jobDeps(), ctx);
		} catch (error) {
			const unrecoverable = isUnrecoverable(error);
			const thrown = unrecoverable ? toUnrecoverable(error) : error instanceof Error ? error : new Error(failureMessage(error), { cause: error });
			if (unrecoverable || attempt >= (job.opts.attempts ?? 1)) {
				await writeDeadLetter(deps, job, error, attempt);
				deps.handled.add(thrown);
			}
			throw thrown;
		}
	};
}

function toUnrecoverable(error: unknown): UnrecoverableError {
	const unrecoverable = new UnrecoverableError(failureMessage(error));
	unrecoverable.cause = error;
	// BullMQ records `stack`; keep the original one (and its causes) for the job detail view.
	unrecoverable.stack = failureStack(error);
	return unrecoverable;
}

/** Adds the dead-letter record; a failure to write it is logged, never thrown over the job's own error. */
export async function writeDeadLetter(deps: ProcessorDeps, job: Job, error: unknown, attemptsMade: number): Promise<void> {
	const record: DeadLetterRecord = {
		queue: deps.queue,
		name: job.name,
		jobId: String(job.id),
		data: job.data,
		error: failureMessage(error),
		stacktrace: [...(job.stacktrace ?? []), failureStack(error)],
		attemptsMade,
		item: describeItem(deps.registry.find(job.name), job.data),
		failedAt: new Date().toISOString(),
	};
	try {
		await deps.deadLetters.add(job.name, record);
	} catch (writeError) {
		deps.logger.error({ err: writeError, queue: deps.queue, jobId: job.id }, 'Could not write the dead-letter record');
	}
}
