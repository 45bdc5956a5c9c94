import type { Accountability, SchemaOverview } from '@directus/types';
import { ForbiddenError } from '../core/errors.js';
import type { ModelDefinition } from '../core/providers/types.js';
import type { HostContext } from './container-types.js';

/**
 * Directus events after which a cached answer may be wrong: the model rows themselves, and
 * everything that decides what a caller may read (permissions, policies, their attachment to
 * roles and users, roles, users' roles and status). System collections emit without the
 * `directus_` prefix.
 */
export const MODEL_ACCESS_EVENTS: readonly string[] = [
	...['create', 'update', 'delete'].map((kind) => `ml_models.items.${kind}`),
	...['permissions', 'policies', 'access', 'roles'].flatMap((collection) => ['create', 'update', 'delete'].map((kind) => `${collection}.${kind}`)),
	'users.update',
	'users.delete',
];

export interface ModelAccessOptions {
	/**
	 * How long an answer is reused, in ms. Changes made through this process invalidate at once
	 * (MODEL_ACCESS_EVENTS); other instances see them within this time. Default: 5000.
	 */
	ttlMs?: number;
	now?: () => number;
}

/**
 * Using a model follows Directus permissions: a caller may use a model only if Directus lets
 * them read its `ml_models` row (admins always). Roles without any policy, or whose policies
 * do not cover ml_models, cannot spend on providers; an administrator grants use of all models
 * or, with an item-level rule, of chosen ones.
 *
 * The answer is Directus's own (an `ItemsService` read as the caller), cached per caller and
 * model: without the cache every non-admin model call paid a permission-checked query (and,
 * without the request's schema, a schema load). The cache key holds everything Directus
 * resolves policies from (user, roles, IP, app access, share, OAuth client and scopes), and
 * any permission, policy, role, user or model change in this process clears it.
 */
export class ModelAccess {
	private readonly answers = new Map<string, { at: number; allowed: Promise<boolean> }>();
	private readonly ttlMs: number;
	private readonly now: () => number;

	constructor(
		private readonly host: HostContext,
		options: ModelAccessOptions = {},
	) {
		this.ttlMs = options.ttlMs ?? 5000;
		this.now = options.now ?? Date.now;
	}

	/** Forgets every cached answer (after a permission, policy, role, user or model change). */
	invalidate(): void {
		this.answers.clear();
	}

	/** Throws 403 unless the caller may use the model. Pass the request's schema when there is one. */
	async assert(accountability: Accountability, definition: ModelDefinition, schema?: SchemaOverview): Promise<void> {
		if (await this.can(accountability, definition, schema)) return;
		throw new ForbiddenError(
			`You may not use the model "${definition.name}": your role cannot read it in ml_models. An administrator can grant read access to ml_models (all models, or chosen ones with an item rule).`,
		);
	}

	/** Whether the caller may use the model (see the class). */
	can(accountability: Accountability, definition: Pick<ModelDefinition, 'id'>, schema?: SchemaOverview): Promise<boolean> {
		if (accountability.admin === true) return Promise.resolve(true);
		const key = callerKey(accountability, definition.id);
		const now = this.now();
		const cached = this.answers.get(key);
		if (cached && now - cached.at <= this.ttlMs) return cached.allowed;
		const allowed = this.ask(accountability, definition.id, schema);
		this.answers.set(key, { at: now, allowed });
		// A failed check is not an answer: the next call asks again.
		allowed.catch(() => {
			if (this.answers.get(key)?.allowed === allowed) this.answers.delete(key);
		});
		// Bounded: callers and models are few, but a long-running process sees many IPs.
		if (this.answers.size > 10_000) this.answers.delete(this.answers.keys().next().value!);
		return allowed;
	}

	private async ask(accountability: Accountability, id: string, schema?: SchemaOverview): Promise<boolean> {
		const service = new this.host.services.ItemsService('ml_models', { schema: schema ?? (await this.host.getSchema()), knex: this.host.database, accountability });
		try {
			const rows = (await service.readByQuery({ fields: ['id'], filter: { id: { _eq: id } }, limit: 1 })) as unknown[];
			return rows.length > 0;
		} catch (error) {
			if ((error as { status?: number }).status !== 403) throw error;
			return false;
		}
	}
}

function callerKey(a: Accountability, modelId: string): string {
	return JSON.stringify([a.user ?? null, a.role ?? null, a.roles ?? [], a.ip ?? null, a.app ?? false, a.share ?? null, a.oauth?.client ?? null, a.oauth?.scopes ?? null, modelId]);
}
