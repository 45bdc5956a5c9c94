import { Redis, type RedisOptions } from 'ioredis';
import { BudgetGuard, type BudgetWarning } from '../core/budgets/budget-guard.js';
import type { BudgetCounterStore } from '../core/budgets/budget-counter-store.js';
import { KnexBudgetCounterStore } from '../core/budgets/knex-budget-counter-store.js';
import { LeasedBudgetCounterStore } from '../core/budgets/leased-budget-counter-store.js';
import { RedisBudgetCounterStore } from '../core/budgets/redis-budget-counter-store.js';
import { producerConnection } from '../core/jobs/bullmq-connection.js';
import type { MlConfig } from '../core/config.js';
import { chooseQueueBackend } from '../core/jobs/create-queue.js';
import type { HostContext } from './container-types.js';
import { systemAdmin } from './schema/ensure-schema.js';

export const BUDGETS_COLLECTION = 'ml_budgets';

/**
 * The budget guard: counters in the queue's Redis when there is one (shared by every instance
 * and worker; the database takes over while Redis is unreachable), in the database otherwise;
 * either way leased, so most calls spend allowance their process already holds;
 * warnings become Directus notifications to every active admin.
 */
export function buildBudgetGuard(config: MlConfig, host: HostContext): BudgetGuard {
	const db = host.database;
	const onError = (error: unknown, message: string): void => host.logger.warn(`${message}: ${(error as Error)?.message ?? String(error)}`);
	// Leases keep the shared counters out of most calls (see leased-budget-counter-store.ts for the bounds).
	const leased = (counters: BudgetCounterStore): BudgetCounterStore => new LeasedBudgetCounterStore(counters, { leaseCalls: config.ML_BUDGET_LEASE_CALLS, onError });
	const database = leased(new KnexBudgetCounterStore(db));
	const choice = chooseQueueBackend(config, host.env);
	let store: BudgetCounterStore = database;
	if (choice.options.backend === 'bullmq') {
		const redis = new Redis(producerConnection(choice.options.redisUrl) as unknown as RedisOptions);
		// Failures surface per call (and fall back to the database there).
		redis.on('error', () => undefined);
		store = leased(new RedisBudgetCounterStore(redis, config.ML_QUEUE_PREFIX));
	}
	return new BudgetGuard({
		store,
		...(store === database ? {} : { fallback: database }),
		loadBudgets: () => db(BUDGETS_COLLECTION).select('*').where('status', 'active'),
		roleOf: async (user) => ((await db('directus_users').select('role').where('id', user).first()) as { role?: string | null } | undefined)?.role ?? null,
		notify: (warning) => notifyAdmins(host, warning),
		onError,
	});
}

async function notifyAdmins(host: HostContext, warning: BudgetWarning): Promise<void> {
	const db = host.database;
	const admins: string[] = (
		await db('directus_users as u')
			.distinct('u.id')
			.join('directus_access as a', (j) => j.on('a.user', '=', 'u.id').orOn('a.role', '=', 'u.role'))
			.join('directus_policies as p', 'p.id', 'a.policy')
			.where('p.admin_access', true)
			.andWhere('u.status', 'active')
	).map((r: { id: string }) => r.id);
	if (admins.length === 0) return;
	const { budget, threshold, spent, resetsAt } = warning;
	const amount = (v: number): string => (budget.metric === 'cost' ? `$${v.toFixed(v < 1 ? 6 : 2)}` : `${Math.round(v).toLocaleString('en-US')} tokens`);
	const percent = Math.round(threshold * 100);
	const rows = admins.map((recipient) => ({
		recipient,
		subject: `ML budget "${budget.name}" reached ${percent}%`,
		message: `${amount(spent)} of ${amount(budget.limit)} spent this ${budget.period} (${budget.scope}${budget.scope_value ? ` ${budget.scope_value}` : ''}). Calls continue (warn budget); the budget resets at ${resetsAt.toISOString()}.`,
		collection: BUDGETS_COLLECTION,
		item: budget.id,
	}));
	const { NotificationsService } = host.services;
	if (NotificationsService) {
		await new NotificationsService({ accountability: systemAdmin(), schema: await host.getSchema(), knex: db }).createMany(rows);
	} else {
		// The standalone worker has no Directus services: the same rows, without the e-mail copy.
		await db('directus_notifications').insert(rows.map((r) => ({ ...r, status: 'inbox', timestamp: new Date(), sender: null })));
	}
	host.logger.info(`[ml-suite] ML budget "${budget.name}" reached ${percent}%; notified ${admins.length} admin(s)`);
}
