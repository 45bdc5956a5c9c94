import type { Accountability, SchemaOverview } from '@directus/types';
import { z } from 'zod';
import { NotFoundError } from '../../../core/errors.js';
import type { RagRequest } from '../../../core/rag/types.js';
import type { CallOrigin } from '../../../core/usage/types.js';
import type { AskResponse } from '../../../shared/rag-types.js';
import { parseInput } from '../../http.js';
import { blank, jsonObject, optionalInt, permissionsOption, requiredText, stringList } from '../flow-options.js';

export const AskOperationOptions = z.object({
	question: requiredText,
	/** Index names: a list, or a comma-separated string. Empty = every index. */
	indexes: stringList,
	limit: optionalInt(1, 50),
	mode: z.preprocess(blank, z.enum(['semantic', 'hybrid']).optional()),
	filter: jsonObject,
	model: z.preprocess(blank, z.string().min(1).optional()),
	systemPrompt: z.preprocess(blank, z.string().optional()),
	/** Whose permissions retrieval uses: the trigger's (default), full access, or public. */
	permissions: permissionsOption,
	/** Fail the operation (taking the reject path) when the indexed content has no answer. */
	failWhenNoAnswer: z.preprocess(blank, z.boolean().default(false)),
});
export type AskOperationOptions = z.infer<typeof AskOperationOptions>;

export interface OperationCaller {
	accountability: Accountability;
	schema?: SchemaOverview;
	/** Usage origin of the retrieval's embedding calls (`flow:ml-ask`). */
	origin?: CallOrigin;
}

export interface AskOperationDeps {
	rag: { answer(request: RagRequest<OperationCaller>): Promise<AskResponse> };
	/** The flow's accountability; null means the flow runs with full access (as in Directus services). */
	accountability: Accountability | null;
	schema?: SchemaOverview;
	origin?: CallOrigin;
	onProviderCall?: RagRequest<OperationCaller>['onProviderCall'];
}

export type AskOperationResult = AskResponse & { found: boolean };

/** The "Ask (RAG)" operation: answer a question over indexed content, with citations, for the next operation. */
export async function runAskOperation(rawOptions: unknown, deps: AskOperationDeps): Promise<AskOperationResult> {
	const options = parseInput(AskOperationOptions, rawOptions ?? {}, 'options');
	const result = await deps.rag.answer({
		question: options.question,
		caller: { accountability: accountabilityFor(options.permissions, deps.accountability), schema: deps.schema, origin: deps.origin },
		indexes: options.indexes,
		limit: options.limit,
		mode: options.mode,
		filter: options.filter,
		model: options.model,
		systemPrompt: options.systemPrompt,
		onProviderCall: deps.onProviderCall,
	});
	const found = result.citations.length > 0;
	if (!found && options.failWhenNoAnswer) {
		throw new NotFoundError(`The indexed content has no answer to "${options.question}".`, { question: options.question });
	}
	return { ...result, found };
}

/** Directus semantics: no accountability means full access, so `$trigger` without a user is full access too. */
export function accountabilityFor(permissions: AskOperationOptions['permissions'], trigger: Accountability | null): Accountability {
	const base = { user: null, role: null, roles: [], app: false, ip: null };
	if (permissions === '$public') return { ...base, admin: false };
	if (permissions === '$full' || trigger === null) return { ...base, admin: true };
	return trigger;
}
