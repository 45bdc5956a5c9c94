import type { GuardedCall, ProviderCall, ProviderCallAmounts, ProviderCallGuard } from '../providers/provider-call-guard.js';
import { computeCallCost } from '../usage/compute-cost.js';
import { currentUsageScope } from '../usage/usage-scope.js';
import { Budget, budgetApplies, budgetPeriod, fromUnits, limitUnits, spendUnits, WARN_THRESHOLDS, type BudgetSubject } from './budget.js';
import type { BudgetCounterStore, CounterKey } from './budget-counter-store.js';
import { BudgetExceededError } from './budget-exceeded-error.js';

/** A `warn` budget crossed a threshold (first time this period). */
export interface BudgetWarning {
	budget: Budget;
	/** 0.8 or 1. */
	threshold: number;
	/** Spent so far, in the budget's metric (tokens or USD). */
	spent: number;
	resetsAt: Date;
}

/** A budget's state in its current period, for the Usage module. */
export interface BudgetStatus {
	id: string;
	name: string;
	scope: Budget['scope'];
	scopeValue: string | null;
	period: Budget['period'];
	metric: Budget['metric'];
	action: Budget['action'];
	limit: number;
	spent: number;
	/** spent / limit (1 when the limit is 0 and anything was spent). */
	ratio: number;
	resetsAt: string;
}

export interface BudgetGuardOptions {
	/** Where spend is counted (Redis when configured, the database otherwise). */
	store: BudgetCounterStore;
	/** Used for a call when `store` fails (e.g. Redis is down), so budgets still hold. Default: none (the call goes ahead, logged). */
	fallback?: BudgetCounterStore;
	/** Active `ml_budgets` rows, unparsed. */
	loadBudgets(): Promise<unknown[]>;
	/** How long loaded budgets are reused, in ms (edits in this process invalidate at once). Default: 5000. */
	cacheMs?: number;
	/** A user's role, for `role` budgets when the caller's scope does not carry it. */
	roleOf?(user: string): Promise<string | null>;
	/** Tells admins a `warn` budget crossed a threshold. */
	notify(warning: BudgetWarning): Promise<void>;
	onError(error: unknown, message: string): void;
	now?(): Date;
}

interface Reservation {
	budget: Budget;
	store: BudgetCounterStore;
	key: CounterKey;
	units: number;
	spent: number;
	expiresAt: Date;
	resetsAt: Date;
}

const NOTHING: GuardedCall = { end: () => undefined };
/** Counters outlive their period by a day, so a late settlement still finds them. */
const GRACE_MS = 86_400_000;

/**
 * Budgets on every provider call (the model registry's models ask it before each call). A call
 * reserves its estimated spend on each budget that covers it, in one atomic step per budget that
 * refuses once the counter has reached a `block` budget's limit; after the call the reservation
 * is corrected to what was actually used (or given back on failure). So however many calls run
 * at once, on however many instances, a budget is overshot by at most the calls admitted while
 * it was still under its limit: one call's worth when estimates are exact (embeddings).
 */
export class BudgetGuard implements ProviderCallGuard {
	private cached: { at: number; budgets: Promise<Budget[]> } | null = null;
	private readonly roles = new Map<string, { at: number; role: Promise<string | null> }>();
	/** Threshold marks this process has seen taken (by it or another process): no need to ask the store again. */
	private readonly marked = new Set<string>();
	private readonly now: () => Date;

	constructor(private readonly options: BudgetGuardOptions) {
		this.now = options.now ?? (() => new Date());
	}

	get storeKind(): BudgetCounterStore['kind'] {
		return this.options.store.kind;
	}

	/** Forgets loaded budgets (call after `ml_budgets` changes). */
	invalidate(): void {
		this.cached = null;
	}

	/** Active, valid budgets (invalid rows are reported and skipped). */
	async active(): Promise<Budget[]> {
		const ttl = this.options.cacheMs ?? 5000;
		if (!this.cached || Date.now() - this.cached.at > ttl) {
			const budgets = this.options
				.loadBudgets()
				.then((rows) =>
					rows.flatMap((row) => {
						const parsed = Budget.safeParse(row);
						if (!parsed.success) {
							this.options.onError(parsed.error, `[ml-suite] ignoring invalid ml_budgets row ${JSON.stringify((row as { id?: unknown })?.id)}`);
							return [];
						}
						return parsed.data.status === 'active' ? [parsed.data] : [];
					}),
				)
				.catch((error: unknown) => {
					this.options.onError(error, '[ml-suite] could not load ml_budgets; calls are not budgeted until it loads');
					this.cached = null;
					return [] as Budget[];
				});
			this.cached = { at: Date.now(), budgets };
		}
		return this.cached.budgets;
	}

	async begin(call: ProviderCall): Promise<GuardedCall> {
		const budgets = await this.active();
		if (budgets.length === 0) return NOTHING;
		const subject = await this.subject(call, budgets);
		const applicable = budgets.filter((b) => budgetApplies(b, subject));
		if (applicable.length === 0) return NOTHING;

		const now = this.now();
		const estimate = spendOf(call, call.estimate);
		const entries = applicable.map((budget) => {
			const { key: period, resetsAt } = budgetPeriod(budget.period, now);
			return {
				budget,
				resetsAt,
				key: { budget: budget.id, period },
				amount: spendUnits(budget.metric, estimate),
				limit: budget.action === 'block' ? limitUnits(budget) : null,
				expiresAt: new Date(resetsAt.getTime() + GRACE_MS),
			};
		});
		const { store, result } = await this.withStore((s) => s.reserve(entries));
		if (!result) return NOTHING;
		const reserved: Reservation[] = [];
		let refused: BudgetExceededError | undefined;
		entries.forEach((e, i) => {
			const r = result[i]!;
			if (r.admitted) reserved.push({ budget: e.budget, store, key: e.key, units: e.amount, spent: r.spent, expiresAt: e.expiresAt, resetsAt: e.resetsAt });
			else refused ??= new BudgetExceededError(e.budget, fromUnits(e.budget.metric, r.spent), e.resetsAt, now);
		});
		if (refused) {
			await Promise.all(reserved.map((r) => r.store.add(r.key, -r.units, r.expiresAt).catch((e: unknown) => this.options.onError(e, '[ml-suite] could not give back a budget reservation'))));
			throw refused;
		}
		if (reserved.length === 0) return NOTHING;
		return {
			end: (actual) => {
				void this.settle(reserved, actual ? spendOf(call, actual) : null).catch((error: unknown) => this.options.onError(error, '[ml-suite] could not settle a budget reservation'));
			},
		};
	}

	/** Every active budget with what its current period has spent. */
	async status(): Promise<BudgetStatus[]> {
		const budgets = await this.active();
		const now = this.now();
		const periods = budgets.map((b) => budgetPeriod(b.period, now));
		const keys = budgets.map((b, i) => ({ budget: b.id, period: periods[i]!.key }));
		const { result: values } = await this.withStore((s) => s.read(keys));
		return budgets.map((b, i) => {
			const spent = fromUnits(b.metric, values?.[i] ?? 0);
			return {
				id: b.id,
				name: b.name,
				scope: b.scope,
				scopeValue: b.scope_value ?? null,
				period: b.period,
				metric: b.metric,
				action: b.action,
				limit: b.limit,
				spent,
				ratio: b.limit > 0 ? spent / b.limit : spent > 0 ? 1 : 0,
				resetsAt: periods[i]!.resetsAt.toISOString(),
			};
		});
	}

	/** Drops counters of past periods (database store; Redis expires its own). */
	async prune(): Promise<number> {
		let pruned = await this.options.store.prune(this.now());
		if (this.options.fallback) pruned += await this.options.fallback.prune(this.now());
		return pruned;
	}

	/** Closes the counters (leased counters give back what they hold and write what is pending). */
	async close(): Promise<void> {
		await this.options.store.close();
		await this.options.fallback?.close();
	}

	private async settle(reserved: Reservation[], actual: { tokens: number; cost: number } | null): Promise<void> {
		for (const r of reserved) {
			const delta = (actual ? spendUnits(r.budget.metric, actual) : 0) - r.units;
			const spent = delta === 0 ? r.spent : await r.store.add(r.key, delta, r.expiresAt);
			if (r.budget.action !== 'warn' || !actual) continue;
			const limit = limitUnits(r.budget);
			for (const threshold of WARN_THRESHOLDS) {
				if (spent < threshold * limit) continue;
				const mark = { budget: r.key.budget, period: `${r.key.period}#warn${Math.round(threshold * 100)}` };
				const id = `${mark.budget}\u0000${mark.period}`;
				if (this.marked.has(id)) continue;
				const first = await r.store.markOnce(mark, r.expiresAt);
				if (this.marked.size > 10_000) this.marked.clear();
				this.marked.add(id);
				if (first) await this.options.notify({ budget: r.budget, threshold, spent: fromUnits(r.budget.metric, spent), resetsAt: r.resetsAt });
			}
		}
	}

	/** Runs `op` on the store, or on the fallback when the store fails; `result` is undefined when both fail (the call is not budgeted). */
	private async withStore<T>(op: (store: BudgetCounterStore) => Promise<T>): Promise<{ store: BudgetCounterStore; result: T | undefined }> {
		try {
			return { store: this.options.store, result: await op(this.options.store) };
		} catch (error) {
			const fallback = this.options.fallback;
			this.options.onError(error, `[ml-suite] budget counters (${this.options.store.kind}) failed${fallback ? `; counting in the ${fallback.kind} meanwhile` : '; the call is not budgeted'}`);
			if (!fallback) return { store: this.options.store, result: undefined };
			return { store: fallback, result: await op(fallback) };
		}
	}

	private async subject(call: ProviderCall, budgets: Budget[]): Promise<BudgetSubject> {
		const scope = currentUsageScope();
		const user = scope.user ?? null;
		let role = scope.role ?? null;
		if (role === null && user !== null && this.options.roleOf && budgets.some((b) => b.scope === 'role')) role = await this.roleOf(user);
		return { user, role, collection: scope.collection ?? null, source: scope.source ?? null, modelRowId: call.definition.id, modelId: call.definition.modelId };
	}

	private roleOf(user: string): Promise<string | null> {
		const hit = this.roles.get(user);
		if (hit && Date.now() - hit.at < 60_000) return hit.role;
		const role = this.options.roleOf!(user).catch(() => null);
		this.roles.set(user, { at: Date.now(), role });
		return role;
	}
}

function spendOf(call: ProviderCall, amounts: ProviderCallAmounts): { tokens: number; cost: number } {
	return { tokens: amounts.inputTokens + amounts.outputTokens, cost: computeCallCost(call.definition, amounts) };
}
