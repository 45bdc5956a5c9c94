import { z } from 'zod';
import type { JobDefinition } from '../jobs/types.js';
import type { EvaluationService } from './evaluation-service.js';

export const EvaluateSearchPayload = z.object({ runId: z.uuid('must be the id of an ml_eval_runs row') });
export type EvaluateSearchPayload = z.infer<typeof EvaluateSearchPayload>;

export interface EvaluationJobDeps {
	evaluation: EvaluationService;
}

/** Attempts of an evaluation job: one retry, for a provider outage that outlasted the provider's own retries. */
const ATTEMPTS = 2;

/** Runs one evaluation (`ml_eval_runs` row); progress goes to the job and to the row. */
export const evaluateSearchJob: JobDefinition<typeof EvaluateSearchPayload, EvaluationJobDeps> = {
	name: 'evaluate-search',
	queue: 'evaluation',
	schema: EvaluateSearchPayload,
	attempts: ATTEMPTS,
	describeItem: (data) => ({ collection: 'ml_eval_runs', item: data.runId }),
	async process(data, deps, ctx) {
		const result = await deps.evaluation.execute(data.runId, {
			jobId: ctx.jobId,
			signal: ctx.signal,
			progress: (percent) => ctx.progress(percent),
			log: (message) => ctx.log(message),
			finalAttempt: ctx.attempt >= ATTEMPTS,
		});
		if ('skipped' in result) return result;
		return { run: result.id, status: result.status, metrics: result.metrics, timings: result.timings };
	},
};

/** Evaluation jobs, every one stateless apart from its `ml_eval_runs` row. */
export const EVALUATION_JOBS = [evaluateSearchJob] as const;
