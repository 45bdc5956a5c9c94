import type { Router } from 'express';
import { z } from 'zod';
import { BeirImportRequest } from '../../core/evaluation/beir-set-import.js';
import { EvalRunRequest } from '../../core/evaluation/evaluation-service.js';
import type { EvalComparison, EvalImportResult, EvalOptions, EvalRunDetail, EvalRunSummary, EvalSetSummary } from '../../shared/eval-types.js';
import type { Container } from '../container.js';
import { route } from '../http.js';

/**
 * Relevance evaluation (administrators only): evaluation sets, BEIR import, runs of a set
 * against an index × model × mode (× reranker) on the queue, run history and side-by-side
 * comparison. Thin glue over `EvaluationService`.
 */

const uuid = z.uuid('must be a run id');

export const ListRunsQuery = z.object({
	/** Only runs of this set (id or name). */
	set: z.string().trim().min(1).optional(),
	limit: z.coerce.number().int('must be an integer').min(1).max(500).default(100),
	offset: z.coerce.number().int('must be an integer').min(0).default(0),
});

export const CompareQuery = z.object({
	/** Run ids, comma-separated; the first is the baseline. */
	runs: z
		.string()
		.transform((value) => value.split(',').map((id) => id.trim()).filter(Boolean))
		.pipe(z.array(uuid).min(2, 'name at least 2 runs').max(8, 'name at most 8 runs')),
});

export function registerEvalRoutes(router: Router, getContainer: () => Promise<Container>): void {
	route(router, 'get', '/eval/options', { access: 'admin', summary: 'Indexes, embedding models, modes and rerankers an evaluation can use' }, async (_req, container): Promise<{ data: EvalOptions }> => {
		return { data: await container.evaluation.options() };
	}, getContainer);

	route(router, 'get', '/eval/sets', { access: 'admin', summary: 'Evaluation sets (without their queries)' }, async (_req, container): Promise<{ data: EvalSetSummary[] }> => {
		return { data: await container.evaluation.setSummaries() };
	}, getContainer);

	route(router, 'get', '/eval/sets/:id', { access: 'admin', summary: 'An evaluation set with its queries (by id or name)' }, async (req, container) => {
		return { data: await container.evaluation.set(req.params.id ?? '') };
	}, getContainer);

	route(router, 'post', '/eval/sets/import', { access: 'admin', body: BeirImportRequest, status: 201, summary: 'Import a BEIR-format set (queries.jsonl + qrels), mapping corpus ids to items through a field' }, async (req, container): Promise<{ data: EvalImportResult }> => {
		const { set, report } = await container.evaluation.importBeir(req.body, { user: req.accountability.user ?? null });
		const { queries: _queries, ...summary } = set;
		return { data: { set: { ...summary, index: req.body.index }, report: { ...report } } };
	}, getContainer);

	route(router, 'get', '/eval/runs', { access: 'admin', query: ListRunsQuery, summary: 'Evaluation runs, newest first, without per-query results' }, async (req, container): Promise<{ data: EvalRunSummary[] }> => {
		const setId = req.query.set ? (await container.evaluation.set(req.query.set)).id : undefined;
		const runs = await container.evaluation.repository.listRuns({ setId, limit: req.query.limit, offset: req.query.offset });
		return { data: runs.map(({ perQuery: _perQuery, ...run }) => run) };
	}, getContainer);

	route(router, 'post', '/eval/runs', { access: 'admin', body: EvalRunRequest, status: 202, summary: 'Start an evaluation run (a job on the evaluation queue)' }, async (req, container): Promise<{ data: EvalRunSummary }> => {
		const { perQuery: _perQuery, ...run } = await container.evaluation.createRun(req.body, { user: req.accountability.user ?? null, source: 'api' });
		return { data: run };
	}, getContainer);

	route(router, 'get', '/eval/runs/:id', { access: 'admin', summary: 'An evaluation run with its per-query results' }, async (req, container): Promise<{ data: EvalRunDetail }> => {
		return { data: await container.evaluation.run(req.params.id ?? '') };
	}, getContainer);

	route(router, 'post', '/eval/runs/:id/cancel', { access: 'admin', summary: 'Cancel a queued or running evaluation' }, async (req, container): Promise<{ data: EvalRunSummary }> => {
		const { perQuery: _perQuery, ...run } = await container.evaluation.cancel(req.params.id ?? '');
		return { data: run };
	}, getContainer);

	route(router, 'get', '/eval/compare', { access: 'admin', query: CompareQuery, summary: 'Completed runs side by side, with paired significance against the first' }, async (req, container): Promise<{ data: EvalComparison }> => {
		return { data: await container.evaluation.compare(req.query.runs) };
	}, getContainer);
}
