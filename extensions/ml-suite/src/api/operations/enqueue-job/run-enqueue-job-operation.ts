import { z } from 'zod';
import type { EnqueuedJob, Queue } from '../../../core/jobs/types.js';
import { parseInput } from '../../http.js';

const blank = (v: unknown): unknown => (v === '' || v === null ? undefined : v);

/** Flow forms send numbers as strings (or empty strings when cleared). */
const optionalInteger = (schema: z.ZodNumber) => z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : blank(v)), schema.optional());

/** Job names the operation's select offers; the queue still decides what is registered. */
export const ENQUEUEABLE_JOBS = ['index-items', 'remove-items', 'reindex', 'reconcile'] as const;

export const EnqueueJobOperationOptions = z.object({
	/** Registered job name. */
	job: z.string().trim().min(1, 'choose a job'),
	/** Job data: an object, or JSON text from the code editor. Empty means `{}`. */
	payload: z.preprocess((v) => {
		if (v === undefined || v === null) return {};
		if (typeof v !== 'string') return v;
		if (v.trim() === '') return {};
		try {
			return JSON.parse(v) as unknown;
		} catch {
			// Left as text so the object check below reports it as the payload field's problem.
			return v;
		}
	}, z.record(z.string(), z.unknown(), 'must be a JSON object')),
	priority: z.preprocess(blank, z.enum(['high', 'normal', 'low']).optional()),
	/** Milliseconds before the job may run. */
	delayMs: optionalInteger(z.number().int('must be an integer').min(0, 'must be 0 or more').max(30 * 24 * 3600 * 1000, 'must be at most 30 days')),
});
export type EnqueueJobOperationOptions = z.infer<typeof EnqueueJobOperationOptions>;

export interface EnqueueJobOperationDeps {
	queue: Pick<Queue, 'enqueue'>;
}

/**
 * The "Enqueue ML job" operation: checks the options, then lets the queue validate the payload
 * against the job's schema (a bad payload or unknown job fails the operation with a message
 * naming the field). Returns `{id, name, queue}` for the next operation.
 */
export async function runEnqueueJobOperation(rawOptions: unknown, deps: EnqueueJobOperationDeps): Promise<EnqueuedJob> {
	const options = parseInput(EnqueueJobOperationOptions, rawOptions ?? {}, 'options');
	const job = await deps.queue.enqueue(options.job, options.payload, { priority: options.priority, delayMs: options.delayMs });
	return { id: job.id, name: job.name, queue: job.queue };
}
