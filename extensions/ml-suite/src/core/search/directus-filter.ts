import { z } from 'zod';

/** Deepest nesting accepted in a Directus filter (logical groups and relational fields). */
export const MAX_FILTER_DEPTH = 16;
/** Most keys and values accepted in one filter. */
export const MAX_FILTER_NODES = 2000;

/** Operators whose value is a list (`_in: [1, 2]`); everywhere else an array is a mistake. */
const LIST_OPERATORS = new Set(['_in', '_nin', '_between', '_nbetween', '_intersects', '_nintersects', '_intersects_bbox', '_nintersects_bbox']);
const LOGICAL = new Set(['_and', '_or']);

/**
 * What is wrong with a Directus filter's shape, or null when it is fine. Checked before the
 * filter reaches Directus or the database, so a filter nested thousands deep or with arrays
 * where objects belong gets a 400 naming the problem (as Directus's own "Invalid filter
 * object") instead of a stack overflow or a 500 from the query builder.
 */
export function filterShapeProblem(filter: unknown): string | null {
	let nodes = 0;
	const visit = (value: unknown, path: string, depth: number): string | null => {
		if (++nodes > MAX_FILTER_NODES) return `has more than ${MAX_FILTER_NODES} keys and values`;
		if (depth > MAX_FILTER_DEPTH) return `is nested more than ${MAX_FILTER_DEPTH} levels deep (at "${path}")`;
		if (value === null || typeof value !== 'object' || Array.isArray(value)) return `"${path || 'filter'}" must be an object`;
		for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
			const at = path ? `${path}.${key}` : key;
			if (LOGICAL.has(key)) {
				if (!Array.isArray(child)) return `"${at}" must be an array of filter objects`;
				for (let i = 0; i < child.length; i++) {
					const problem = visit(child[i], `${at}[${i}]`, depth + 1);
					if (problem) return problem;
				}
			} else if (key.startsWith('_')) {
				// An operator: a scalar, or a flat list for list operators; `_some`/`_none` hold a filter.
				if (key === '_some' || key === '_none') {
					const problem = visit(child, at, depth + 1);
					if (problem) return problem;
				} else if (Array.isArray(child)) {
					if (!LIST_OPERATORS.has(key)) return `"${at}" does not take a list`;
					if (child.some((v) => v !== null && typeof v === 'object')) return `"${at}" must be a flat list of values`;
					nodes += child.length;
				} else if (child !== null && typeof child === 'object') {
					return `"${at}" must be a value, not an object`;
				}
			} else {
				const problem = visit(child, at, depth + 1);
				if (problem) return problem;
			}
		}
		return null;
	};
	return visit(filter, '', 1);
}

/** A Directus filter at an API boundary: an object whose shape passes `filterShapeProblem`. */
export const DirectusFilter = z.record(z.string(), z.unknown()).superRefine((filter, ctx) => {
	const problem = filterShapeProblem(filter);
	if (problem) ctx.addIssue({ code: 'custom', message: `Invalid filter object: the filter ${problem}` });
});
