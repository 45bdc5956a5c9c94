import { z } from 'zod';
import { InvalidPayloadError } from '../errors.js';

/**
 * An evaluation set: queries, each with the items judged relevant to it and their grades
 * (1 = relevant, higher = more relevant; TREC/BEIR style). Stored as JSON in `ml_eval_sets.queries`
 * so the whole set is one row an admin edits, versions and exports.
 */
export const RelevantItem = z.object({
	/** Primary key of the item, as text. */
	item: z.coerce.string().trim().min(1, 'must not be empty').max(255, 'must be at most 255 characters'),
	/** Relevance grade, 1 (relevant) .. 10. */
	grade: z.coerce.number().int('must be a whole number').min(1, 'must be at least 1 (leave unjudged items out)').max(10, 'must be at most 10').default(1),
});
export type RelevantItem = z.infer<typeof RelevantItem>;

export const EvalQuery = z.object({
	/** Query id, unique within the set (BEIR `_id`). */
	id: z.coerce.string().trim().min(1, 'must not be empty').max(200, 'must be at most 200 characters'),
	/** The query text, as a user would type it. */
	query: z.string().trim().min(1, 'must not be empty').max(4000, 'must be at most 4000 characters'),
	relevant: z.array(RelevantItem).min(1, 'needs at least one relevant item').max(1000, 'must list at most 1000 items'),
});
export type EvalQuery = z.infer<typeof EvalQuery>;

/** Most queries a set may hold (BEIR test splits have up to a few thousand). */
export const MAX_EVAL_QUERIES = 10_000;

export const EvalQueries = z
	.array(EvalQuery)
	.min(1, 'needs at least one query')
	.max(MAX_EVAL_QUERIES, `must hold at most ${MAX_EVAL_QUERIES} queries`)
	.superRefine((queries, ctx) => {
		const seen = new Set<string>();
		queries.forEach((q, i) => {
			if (seen.has(q.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate query id "${q.id}"` });
			seen.add(q.id);
			const items = new Set<string>();
			q.relevant.forEach((r, j) => {
				if (items.has(r.item)) ctx.addIssue({ code: 'custom', path: [i, 'relevant', j, 'item'], message: `item "${r.item}" is listed twice` });
				items.add(r.item);
			});
		});
	});

/**
 * Parses the queries of a set (an array, or its JSON text as stored by SQLite). The error
 * names the first problems by position, e.g. `queries.3.relevant.0.grade: must be at least 1`.
 */
export function parseEvalQueries(value: unknown): EvalQuery[] {
	let input = value;
	if (typeof value === 'string') {
		try {
			input = JSON.parse(value) as unknown;
		} catch (error) {
			throw new InvalidPayloadError(`"queries" is not valid JSON: ${(error as Error).message}`, { field: 'queries' });
		}
	}
	const parsed = EvalQueries.safeParse(input);
	if (parsed.success) return parsed.data;
	const problems = parsed.error.issues.slice(0, 10).map((issue) => ({ field: ['queries', ...issue.path.map(String)].join('.'), message: issue.message }));
	throw new InvalidPayloadError(`Invalid evaluation queries: ${problems.map((p) => `"${p.field}": ${p.message}`).join('; ')}`, { problems });
}

/** Judgements of one query as a map, for the metrics. */
export function judgementsOf(query: EvalQuery): Map<string, number> {
	return new Map(query.relevant.map((r) => [r.item, r.grade]));
}
