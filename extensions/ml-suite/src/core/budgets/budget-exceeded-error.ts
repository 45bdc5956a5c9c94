import { MlError } from '../errors.js';

/**
 * A `block` budget is used up: 429 with `Retry-After` until the period resets. Not retryable
 * by a job's own backoff (the next attempts would fail the same way for hours), so a queued
 * job dead-letters at once with this message; requeue it from the dead-letter view after the reset.
 */
export class BudgetExceededError extends MlError {
	constructor(budget: { id: string; name: string; limit: number; metric: 'tokens' | 'cost'; period: 'day' | 'month' }, spent: number, resetsAt: Date, now: Date = new Date()) {
		const amount = (v: number): string => (budget.metric === 'cost' ? `$${v.toFixed(v < 1 ? 6 : 2)}` : `${Math.round(v)} tokens`);
		super(
			`The ML budget "${budget.name}" is used up: ${amount(spent)} spent of ${amount(budget.limit)} this ${budget.period}. It resets at ${resetsAt.toISOString()}.`,
			{
				code: 'BUDGET_EXCEEDED',
				status: 429,
				retryable: false,
				retryAfterMs: Math.max(1000, resetsAt.getTime() - now.getTime()),
				details: { budget: budget.id, budgetName: budget.name, limit: budget.limit, spent, metric: budget.metric, resetsAt: resetsAt.toISOString() },
			},
		);
		this.name = 'BudgetExceededError';
	}
}
