import type { Router } from 'express';
import type { BudgetStatusResponse } from '../../shared/budget-types.js';
import type { Container } from '../container.js';
import { route } from '../http.js';

/**
 * `GET /ml/budgets/status`: each active budget with what its current period has spent and when
 * it resets. Administrators see every budget; anyone else the global ones and those on their own
 * user or role.
 */
export function registerBudgetRoutes(router: Router, getContainer: () => Promise<Container>): void {
	route(router, 'get', '/budgets/status', { access: 'user', summary: 'Active budgets: spent, limit and reset time of the current period' }, async (req, c): Promise<{ data: BudgetStatusResponse }> => {
		const all = await c.budgets.status();
		const { admin, user, role } = req.accountability;
		const budgets = admin === true ? all : all.filter((b) => b.scope === 'global' || (b.scope === 'user' && b.scopeValue === user) || (b.scope === 'role' && b.scopeValue === role));
		return { data: { store: c.budgets.storeKind, budgets } };
	}, getContainer);
}
