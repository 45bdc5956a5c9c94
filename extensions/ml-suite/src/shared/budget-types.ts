/** Wire types of `/ml/budgets/status`, shared by the API and the Usage module. */

export interface BudgetStatusEntry {
	id: string;
	name: string;
	scope: 'global' | 'role' | 'user' | 'collection' | 'flow' | 'model';
	scopeValue: string | null;
	period: 'day' | 'month';
	metric: 'tokens' | 'cost';
	action: 'block' | 'warn';
	/** Tokens, or USD for cost budgets. */
	limit: number;
	spent: number;
	ratio: number;
	/** ISO time the current period ends. */
	resetsAt: string;
}

export interface BudgetStatusResponse {
	/** Where the counters live. */
	store: 'redis' | 'database';
	budgets: BudgetStatusEntry[];
}
