import type { Accountability } from '@directus/types';
import { withUsageScope } from '../../core/usage/usage-scope.js';
import { usageSource } from '../../core/usage/usage-source.js';

/**
 * A flow operation's handler, run with its usage scope (the flow's user and role, `flow:<id>`),
 * so the provider calls it makes are matched against user, role and flow budgets.
 */
export function usageScopedHandler<O, C extends { accountability: Accountability | null }, R>(id: string, handler: (options: O, context: C) => Promise<R>): (options: O, context: C) => Promise<R> {
	return (options, context) =>
		withUsageScope({ user: context.accountability?.user ?? null, role: context.accountability?.role ?? null, source: usageSource.flow(id).source }, () => handler(options, context));
}
