import type { z } from 'zod';
import { InvalidPayloadError } from '../errors.js';
import type { JobDefinition } from './types.js';
import { UnrecoverableJobError } from './unrecoverable-job-error.js';

/**
 * Validates a job payload against its definition's schema. The error names each offending
 * field (`details.problems[].field`) so an enqueue route can answer with a useful 400.
 */
export function parseJobPayload<Schema extends z.ZodType>(definition: Pick<JobDefinition<Schema>, 'name' | 'schema'>, data: unknown): z.output<Schema> {
	const parsed = definition.schema.safeParse(data);
	if (parsed.success) return parsed.data;
	const problems = parsed.error.issues.map((issue) => ({
		field: issue.path.length > 0 ? issue.path.map(String).join('.') : 'data',
		message: issue.message,
	}));
	const summary = problems.map((p) => `"${p.field}": ${p.message}`).join('; ');
	throw new InvalidPayloadError(`Invalid payload for job "${definition.name}": ${summary}`, { job: definition.name, problems });
}

/**
 * Payloads are checked again when run: a schema may have changed since the job was stored, and
 * retrying cannot fix that, so the failure is unrecoverable.
 */
export function validateAtProcess<Schema extends z.ZodType>(definition: Pick<JobDefinition<Schema>, 'name' | 'schema'>, data: unknown): z.output<Schema> {
	try {
		return parseJobPayload(definition, data);
	} catch (error) {
		const message = error instanceof InvalidPayloadError ? error.message : `Invalid payload for job "${definition.name}"`;
		throw new UnrecoverableJobError(message, { cause: error });
	}
}
