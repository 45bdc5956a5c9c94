import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Who and where the provider calls of the current call chain are made for: set once where a
 * request, flow operation or job starts (and narrowed, e.g. with the collection, further down),
 * read by the provider-call guard that checks budgets. Like `withCallBudget`, it follows async
 * continuations, so calls made deep inside a service need no extra parameters.
 */
export interface UsageScope {
	user?: string | null;
	role?: string | null;
	collection?: string | null;
	/** `<sourceType>:<name>`, e.g. `flow:ml-ask`. */
	source?: string | null;
}

const scopes = new AsyncLocalStorage<UsageScope>();

/** Runs `fn` with `scope` merged over the current one (fields left undefined are inherited). */
export function withUsageScope<T>(scope: UsageScope, fn: () => T): T {
	const outer = scopes.getStore();
	const merged: UsageScope = { ...outer };
	for (const [k, v] of Object.entries(scope) as [keyof UsageScope, string | null | undefined][]) if (v !== undefined) merged[k] = v;
	return scopes.run(merged, fn);
}

/** The scope of the current call chain (empty outside any). */
export function currentUsageScope(): UsageScope {
	return scopes.getStore() ?? {};
}
