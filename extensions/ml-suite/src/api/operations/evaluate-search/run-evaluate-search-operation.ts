import type { Accountability } from '@directus/types';
import { z } from 'zod';
import type { EvalRunRecord } from '../../../core/evaluation/eval-records.js';
import { EVAL_SEARCH_MODES, type EvalRunRequest } from '../../../core/evaluation/evaluation-service.js';
import { ForbiddenError, MlError } from '../../../core/errors.js';
import { parseInput } from '../../http.js';
import { blank, optionalBoolean, optionalInt, optionalString, requiredText } from '../flow-options.js';

export const EvaluateSearchOperationOptions = z.object({
	/** Evaluation set name or id. */
	set: requiredText.pipe(z.string().max(255, 'must be at most 255 characters')),
	index: optionalString,
	/** `ml_models` id of an embedding model; empty = the index's own. */
	model: optionalString,
	mode: z.preprocess(blank, z.enum(EVAL_SEARCH_MODES).default('hybrid')),
	limit: optionalInt(10, 100).transform((v) => v ?? 100),
	reranker: optionalString,
	/** Wait for the run to finish and return its metrics (default), or return once it is queued. */
	wait: optionalBoolean.transform((v) => v ?? true),
	/** Longest wait, in seconds. */
	timeoutSeconds: optionalInt(1, 3600).transform((v) => v ?? 600),
});
export type EvaluateSearchOperationOptions = z.infer<typeof EvaluateSearchOperationOptions>;

export interface EvaluateSearchOperationDeps {
	evaluation: {
		createRun(input: EvalRunRequest, who: { user: string | null; source: 'flow' }): Promise<EvalRunRecord>;
		run(id: string): Promise<EvalRunRecord>;
	};
	/** The flow's accountability; null means the flow runs with full access. */
	accountability: Accountability | null;
	/** Pause between polls while waiting. Default: 1000 ms. */
	pollMs?: number;
}

export interface EvaluateSearchOperationResult {
	run: string;
	status: EvalRunRecord['status'];
	set: string;
	index: string;
	mode: string;
	model: string;
	k: number;
	metrics: EvalRunRecord['metrics'];
	timings: EvalRunRecord['timings'];
	/** True when `wait` gave up before the run finished (it keeps running). */
	timedOut: boolean;
	/** Admin-app path of the evaluation view showing the run. */
	link: string;
}

function result(run: EvalRunRecord, timedOut: boolean): EvaluateSearchOperationResult {
	return {
		run: run.id,
		status: run.status,
		set: run.setName,
		index: run.indexName,
		mode: run.mode,
		model: run.modelLabel,
		k: run.k,
		metrics: run.metrics,
		timings: run.timings,
		timedOut,
		link: `/admin/ml-evaluation?run=${run.id}`,
	};
}

/**
 * The "Evaluate search" operation: runs an evaluation set through search on the queue and, by
 * default, waits for its metrics, so a flow can e.g. evaluate nightly and alert when nDCG@10
 * drops. Administrators only (or flows running with full access, such as scheduled ones).
 */
export async function runEvaluateSearchOperation(rawOptions: unknown, deps: EvaluateSearchOperationDeps): Promise<EvaluateSearchOperationResult> {
	const options = parseInput(EvaluateSearchOperationOptions, rawOptions ?? {}, 'options');
	if (deps.accountability && deps.accountability.admin !== true) throw new ForbiddenError('Evaluating search needs an administrator (or a flow that runs with full access).');
	const queued = await deps.evaluation.createRun(
		{ set: options.set, index: options.index, model: options.model ?? null, mode: options.mode, limit: options.limit, reranker: options.reranker ?? null, options: {} },
		{ user: deps.accountability?.user ?? null, source: 'flow' },
	);
	if (!options.wait) return result(queued, false);
	const deadline = Date.now() + options.timeoutSeconds * 1000;
	for (;;) {
		const run = await deps.evaluation.run(queued.id);
		if (run.status === 'failed' || run.status === 'cancelled') {
			throw new MlError(`Evaluation run ${run.id} ${run.status}: ${run.error ?? 'no reason recorded'}`, { code: 'EVALUATION_FAILED', status: 500, details: { run: run.id } });
		}
		if (run.status === 'completed') return result(run, false);
		if (Date.now() >= deadline) return result(run, true);
		await new Promise((resolve) => setTimeout(resolve, deps.pollMs ?? 1000));
	}
}
