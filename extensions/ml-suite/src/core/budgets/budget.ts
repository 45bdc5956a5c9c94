import { z } from 'zod';

export const BUDGET_SCOPES = ['global', 'role', 'user', 'collection', 'flow', 'model'] as const;
export const BUDGET_PERIODS = ['day', 'month'] as const;
export const BUDGET_METRICS = ['tokens', 'cost'] as const;
export const BUDGET_ACTIONS = ['block', 'warn'] as const;
/** Fractions of the limit at which a `warn` budget notifies admins (once each per period). */
export const WARN_THRESHOLDS = [0.8, 1] as const;

/**
 * One `ml_budgets` row, as the guard uses it. A budget bounds what the provider calls in its
 * scope may spend per UTC day or month, in tokens (input + output) or USD.
 */
export const Budget = z
	.object({
		id: z.union([z.string(), z.number()]).transform(String),
		name: z.string().trim().min(1, 'a budget needs a name'),
		status: z.enum(['active', 'disabled']).default('active'),
		scope: z.enum(BUDGET_SCOPES, { error: `scope must be one of ${BUDGET_SCOPES.join(', ')}` }),
		/** What the scope names: a role or user id, a collection, a flow operation (`ml-ask`), a model (row id or provider model id). Unused for `global`. */
		scope_value: z.string().trim().min(1).nullable().optional(),
		period: z.enum(BUDGET_PERIODS, { error: `period must be one of ${BUDGET_PERIODS.join(', ')}` }),
		metric: z.enum(BUDGET_METRICS, { error: `metric must be one of ${BUDGET_METRICS.join(', ')}` }),
		limit: z.coerce.number({ error: 'limit must be a number' }).finite().min(0, 'limit must be 0 or more'),
		action: z.enum(BUDGET_ACTIONS, { error: `action must be one of ${BUDGET_ACTIONS.join(', ')}` }),
	})
	.superRefine((b, ctx) => {
		if (b.scope !== 'global' && !b.scope_value) ctx.addIssue({ code: 'custom', path: ['scope_value'], message: `a ${b.scope} budget needs scope_value (which ${b.scope} it applies to)` });
	});
export type Budget = z.infer<typeof Budget>;

/** Who and what a provider call is for: what budgets are matched against. */
export interface BudgetSubject {
	user: string | null;
	role: string | null;
	collection: string | null;
	/** `<sourceType>:<name>` from the usage vocabulary (`flow:ml-ask`, `route:POST /ml/search`). */
	source: string | null;
	/** The model's row id and provider model id. */
	modelRowId: string;
	modelId: string;
}

/** Whether `budget` counts a call made for `subject`. */
export function budgetApplies(budget: Budget, subject: BudgetSubject): boolean {
	const value = budget.scope_value ?? null;
	switch (budget.scope) {
		case 'global':
			return true;
		case 'user':
			return subject.user !== null && subject.user === value;
		case 'role':
			return subject.role !== null && subject.role === value;
		case 'collection':
			return subject.collection !== null && subject.collection === value;
		case 'flow':
			return subject.source !== null && (subject.source === value || subject.source === `flow:${value}`);
		case 'model':
			return subject.modelRowId === value || subject.modelId === value;
	}
}

/** The period a moment falls in: its key (part of the counter's name) and when it ends (UTC). */
export function budgetPeriod(period: Budget['period'], now: Date): { key: string; resetsAt: Date } {
	const y = now.getUTCFullYear();
	const m = now.getUTCMonth();
	if (period === 'month') return { key: `${y}-${String(m + 1).padStart(2, '0')}`, resetsAt: new Date(Date.UTC(y, m + 1, 1)) };
	const d = now.getUTCDate();
	return { key: `${y}-${String(m + 1).padStart(2, '0')}-${String(d).padStart(2, '0')}`, resetsAt: new Date(Date.UTC(y, m, d + 1)) };
}

/**
 * Counters are integers (Redis INCRBY, an integer column): tokens as they are, USD in
 * nano-dollars, so sub-cent calls still add up exactly.
 */
export const NANO_USD = 1e9;

/** A budget's limit in counter units. */
export function limitUnits(budget: Pick<Budget, 'metric' | 'limit'>): number {
	return budget.metric === 'cost' ? Math.round(budget.limit * NANO_USD) : Math.round(budget.limit);
}

/** What a call spends, in a budget's counter units. */
export function spendUnits(metric: Budget['metric'], spend: { tokens: number; cost: number }): number {
	return metric === 'cost' ? Math.max(0, Math.round(spend.cost * NANO_USD)) : Math.max(0, Math.round(spend.tokens));
}

/** Counter units back in the budget's metric (tokens, or USD). */
export function fromUnits(metric: Budget['metric'], units: number): number {
	return metric === 'cost' ? units / NANO_USD : units;
}
