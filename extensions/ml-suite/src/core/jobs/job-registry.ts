import type { z } from 'zod';
import { InvalidPayloadError } from '../errors.js';
import type { JobDefinition, QueueName } from './types.js';

export type AnyJobDefinition = JobDefinition<z.ZodType, never, unknown>;

/** The job types a queue knows, by name. Shared by both backends. */
export class JobRegistry {
	private readonly definitions = new Map<string, AnyJobDefinition>();

	register(definition: AnyJobDefinition): void {
		const existing = this.definitions.get(definition.name);
		if (existing && existing !== definition) {
			throw new InvalidPayloadError(`Job "${definition.name}" is already registered.`, { job: definition.name });
		}
		this.definitions.set(definition.name, definition);
	}

	/** The definition, or an `InvalidPayloadError` naming the known jobs. */
	get(name: string): AnyJobDefinition {
		const definition = this.definitions.get(name);
		if (definition) return definition;
		const known = [...this.definitions.keys()].sort().join(', ') || 'none';
		throw new InvalidPayloadError(`Unknown job "${name}". Registered jobs: ${known}.`, { field: 'name', job: name });
	}

	find(name: string): AnyJobDefinition | undefined {
		return this.definitions.get(name);
	}

	/** Queues that have at least one registered job (the ones that need workers). */
	queues(): QueueName[] {
		return [...new Set([...this.definitions.values()].map((d) => d.queue))];
	}
}
