import type { Accountability } from '@directus/types';
import { z } from 'zod';
import type { SearchHit } from '../../../core/search/search-service.js';
import type { CallOrigin } from '../../../core/usage/types.js';
import type { CallerSearch } from '../../caller-search.js';
import { parseInput } from '../../http.js';
import { accountabilityFor } from '../ask/run-ask-operation.js';
import { blank, jsonObject, optionalInt, permissionsOption, requiredText, stringList } from '../flow-options.js';

export const SemanticSearchOperationOptions = z.object({
	query: requiredText.pipe(z.string().max(4000, 'must be at most 4000 characters')),
	/** Index names: a list, or a comma-separated string. Empty = every index the caller can read. */
	indexes: stringList.pipe(z.array(z.string()).max(20, 'must name at most 20 indexes').optional()),
	mode: z.preprocess(blank, z.enum(['semantic', 'keyword', 'hybrid']).default('hybrid')),
	limit: optionalInt(1, 100).transform((v) => v ?? 10),
	/** Directus filter on the items, as JSON. */
	filter: jsonObject,
	/** Item fields returned in each hit's `data` (as the caller may read them). */
	fields: stringList.pipe(z.array(z.string()).max(50, 'must name at most 50 fields').optional()),
	/** Whose permissions decide which items are found: the trigger's (default), full access, or public. */
	permissions: permissionsOption,
});
export type SemanticSearchOperationOptions = z.infer<typeof SemanticSearchOperationOptions>;

export interface SemanticSearchOperationDeps {
	/** Search on behalf of the chosen caller (the container's `callerSearch`). */
	search: Pick<CallerSearch, 'search'>;
	/** The flow's accountability; null means the flow runs with full access (as in Directus services). */
	accountability: Accountability | null;
	origin: CallOrigin;
}

/** The shape of `POST /ml/search`, plus `count` so a condition can test `{{$last.count}}`. */
export interface SemanticSearchOperationResult {
	data: SearchHit[];
	count: number;
	meta: { mode: 'semantic' | 'keyword' | 'hybrid'; indexes: string[]; tookMs: number };
}

/** The "Semantic search" operation: ranked items for a query, with the chosen permissions applied. */
export async function runSemanticSearchOperation(rawOptions: unknown, deps: SemanticSearchOperationDeps): Promise<SemanticSearchOperationResult> {
	const options = parseInput(SemanticSearchOperationOptions, rawOptions ?? {}, 'options');
	const started = Date.now();
	const accountability = accountabilityFor(options.permissions, deps.accountability);
	const { hits, indexes } = await deps.search.search(
		{ accountability, origin: deps.origin },
		{ query: options.query, indexes: options.indexes, mode: options.mode, limit: options.limit, filter: options.filter ?? null, fields: options.fields ?? [] },
	);
	return { data: hits, count: hits.length, meta: { mode: options.mode, indexes: indexes.map((i) => i.name), tookMs: Date.now() - started } };
}
