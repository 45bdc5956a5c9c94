import type { z } from 'zod';
import type { JobItemRef } from '../../shared/queue-types.js';
import { InvalidPayloadError } from '../errors.js';
import { validateAtProcess } from './parse-job-payload.js';
import type { JobContext, JobDefinition, JobPriority, QueueName } from './types.js';

/**
 * A job definition with its payload and dependency types erased: the form the queues store and
 * call. Payloads come back from storage as `unknown`, so `process` validates them against the
 * schema first (a payload that no longer fits fails without retries), and `describeItem` answers
 * null for one that does not fit.
 */
export interface ErasedJobDefinition {
	name: string;
	queue: QueueName;
	schema: z.ZodType;
	attempts?: number;
	priority?: JobPriority;
	/** The collection/item the payload belongs to, or null (none, or a payload that does not fit). */
	describeItem(data: unknown): JobItemRef | null;
	/**
	 * Runs the job. `deps` is what the queue's `jobDeps` resolver returns: the wiring registers
	 * every job together with the dependencies its definition declares, into that one object.
	 */
	process(data: unknown, deps: unknown, ctx: JobContext): Promise<unknown>;
}

/** The type-erased form of `definition` (see {@link ErasedJobDefinition}). */
export function eraseJobDefinition<Schema extends z.ZodType, Deps, Result>(definition: JobDefinition<Schema, Deps, Result>): ErasedJobDefinition {
	const { name, queue, schema, attempts, priority } = definition;
	return {
		name,
		queue,
		schema,
		attempts,
		priority,
		describeItem(data) {
			if (!definition.describeItem) return null;
			const parsed = schema.safeParse(data);
			return parsed.success ? definition.describeItem(parsed.data) : null;
		},
		// The one place the dependency type is asserted: the resolver's object carries every registered job's deps.
		process: (data, deps, ctx) => definition.process(validateAtProcess(definition, data), deps as Deps, ctx),
	};
}

/** The job types a queue knows, by name. Shared by both backends. */
export class JobRegistry {
	private readonly definitions = new Map<string, { source: object; erased: ErasedJobDefinition }>();

	/** Registers a job type; registering the same definition again is a no-op, another one by the same name an error. */
	register<Deps>(definition: JobDefinition<z.ZodType, Deps, unknown>): void {
		const existing = this.definitions.get(definition.name);
		if (existing) {
			if (existing.source === definition) return;
			throw new InvalidPayloadError(`Job "${definition.name}" is already registered.`, { job: definition.name });
		}
		this.definitions.set(definition.name, { source: definition, erased: eraseJobDefinition(definition) });
	}

	/** The definition, or an `InvalidPayloadError` naming the known jobs. */
	get(name: string): ErasedJobDefinition {
		const definition = this.definitions.get(name);
		if (definition) return definition.erased;
		const known = [...this.definitions.keys()].sort().join(', ') || 'none';
		throw new InvalidPayloadError(`Unknown job "${name}". Registered jobs: ${known}.`, { field: 'name', job: name });
	}

	find(name: string): ErasedJobDefinition | undefined {
		return this.definitions.get(name)?.erased;
	}

	/** Queues that have at least one registered job (the ones that need workers). */
	queues(): QueueName[] {
		return [...new Set([...this.definitions.values()].map((d) => d.erased.queue))];
	}
}
