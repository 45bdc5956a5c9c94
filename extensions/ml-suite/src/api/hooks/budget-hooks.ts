import { InvalidPayloadError } from '@directus/errors';
import type { Knex } from 'knex';
import { Budget } from '../../core/budgets/budget.js';
import { BUDGETS_COLLECTION } from '../budget-wiring.js';
import type { Container } from '../container.js';
import type { HookRegister } from './hook-register.js';

/**
 * Keeps `ml_budgets` rows enforceable however they are edited (admin app, REST, import): each
 * saved row, merged with what is stored, must parse as a `Budget`, else the save is a 400 naming
 * the field. Edits take effect at once in this process (other instances within the guard's cache time).
 */
export function registerBudgetHooks(hooks: HookRegister, getContainer: () => Promise<Container>): void {
	for (const event of [`${BUDGETS_COLLECTION}.items.create`, `${BUDGETS_COLLECTION}.items.update`]) {
		hooks.filter(event, async (payload, meta, context) => {
			const changes = (payload ?? {}) as Record<string, unknown>;
			const keys = Array.isArray(meta.keys) ? meta.keys.map(String) : [];
			const db = (context.database as Knex | undefined) ?? (await getContainer()).host.database;
			const stored: Record<string, unknown>[] = event.endsWith('.create') || keys.length === 0 ? [{}] : await db(BUDGETS_COLLECTION).select('*').whereIn('id', keys);
			for (const row of stored) {
				const merged = { status: 'active', period: 'month', metric: 'cost', action: 'warn', scope: 'global', ...row, ...changes, id: row.id ?? 'new' };
				const parsed = Budget.safeParse(merged);
				if (!parsed.success) {
					throw new InvalidPayloadError({ reason: parsed.error.issues.map((i) => `${i.path.join('.') || 'budget'}: ${i.message}`).join('; ') });
				}
			}
			return payload;
		});
	}
	for (const event of [`${BUDGETS_COLLECTION}.items.create`, `${BUDGETS_COLLECTION}.items.update`, `${BUDGETS_COLLECTION}.items.delete`]) {
		hooks.action(event, async () => (await getContainer()).budgets.invalidate());
	}
}
