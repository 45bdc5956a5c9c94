import type { Accountability, SchemaOverview } from '@directus/types';
import type { CallerAccess } from '../core/search/caller-access.js';
import type { HostContext } from './container-types.js';
import { isCollectionInactive } from './directus-runtime.js';

type Row = Record<string, unknown>;

function parseJson(value: unknown): unknown {
	if (typeof value !== 'string') return value;
	try {
		return JSON.parse(value) as unknown;
	} catch {
		return value;
	}
}

/** An item rule that lets every item through: none, or an empty filter. */
function isEmptyRule(value: unknown): boolean {
	const rule = parseJson(value);
	return rule === null || rule === undefined || (typeof rule === 'object' && Object.keys(rule as object).length === 0);
}

function allFields(value: unknown): boolean {
	const fields = parseJson(value);
	const list = Array.isArray(fields) ? fields : typeof fields === 'string' ? fields.split(',') : [];
	return list.map((f) => String(f).trim()).includes('*');
}

function isForbidden(error: unknown): boolean {
	return (error as { status?: number }).status === 403;
}

/**
 * Answers "what may this caller read" by asking Directus with the caller's accountability.
 * Items are read with the `*` field wildcard, which Directus expands to exactly the fields the
 * caller may read, so each returned row shows what may be shown.
 */
export class DirectusCallerAccess implements CallerAccess {
	private readonly readable = new Map<string, Promise<boolean>>();
	private readonly restricted = new Map<string, Promise<{ restricted: boolean }>>();
	/** Collections the caller could read were they not inactive (Directus says so only to those with access). */
	readonly inactive = new Set<string>();
	private schemaPromise: Promise<SchemaOverview> | undefined;

	/**
	 * One instance serves one request. `schema` is the request's own (Directus already loaded it);
	 * without one it is loaded once per instance: every `getSchema()` deep-copies the whole
	 * schema unless CACHE_SCHEMA_FREEZE_ENABLED is set, so it is never called per item or per call.
	 */
	constructor(
		private readonly host: HostContext,
		private readonly accountability: Accountability,
		schema?: SchemaOverview,
	) {
		if (schema) this.schemaPromise = Promise.resolve(schema);
	}

	private schema(): Promise<SchemaOverview> {
		this.schemaPromise ??= this.host.getSchema();
		return this.schemaPromise;
	}

	async primaryKey(collection: string): Promise<string> {
		const schema = await this.schema();
		const info = schema.collections[collection];
		if (!info) throw new Error(`Collection "${collection}" does not exist.`);
		return info.primary;
	}

	private async items(collection: string): Promise<{ readByQuery(query: Row): Promise<Row[]> }> {
		const schema = await this.schema();
		return new this.host.services.ItemsService(collection, { schema, knex: this.host.database, accountability: this.accountability });
	}

	canRead(collection: string): Promise<boolean> {
		let cached = this.readable.get(collection);
		if (!cached) {
			cached = (async () => {
				const schema = await this.schema();
				if (!schema.collections[collection]) return false;
				// An administrator reads every active collection (what Directus's own check answers
				// for them), so no read query is needed; an inactive one is refused as Directus does.
				if (this.accountability.admin === true) {
					if (!isCollectionInactive(schema, collection)) return true;
					this.inactive.add(collection);
					return false;
				}
				try {
					await (await this.items(collection)).readByQuery({ fields: [schema.collections[collection].primary], limit: 1 });
					return true;
				} catch (error) {
					if ((error as { code?: string }).code === 'COLLECTION_INACTIVE') this.inactive.add(collection);
					if (isForbidden(error)) return false;
					throw error;
				}
			})();
			this.readable.set(collection, cached);
		}
		return cached;
	}

	/**
	 * Restricted unless one policy that applies to the caller grants read on the whole collection
	 * (no item filter) with every field (`*`). Read from the rules (directus_access and
	 * directus_permissions, the way Directus's own fetchPolicies does), never from the data.
	 * Policies limited to IP ranges count as restricted: whether they apply depends on the request.
	 */
	restrictions(collection: string): Promise<{ restricted: boolean }> {
		let cached = this.restricted.get(collection);
		if (!cached) {
			cached = (async () => {
				const a = this.accountability;
				if (a.admin) return { restricted: false };
				const db = this.host.database;
				const roles = (a as { roles?: string[] }).roles ?? (a.role ? [a.role] : []);
				const access = db('directus_access as a').join('directus_policies as p', 'p.id', 'a.policy').select('p.id', 'p.ip_access', 'p.admin_access');
				access.where((q) => {
					if (roles.length > 0) q.whereIn('a.role', roles);
					else q.whereNull('a.role').whereNull('a.user');
					if (a.user) q.orWhere('a.user', a.user);
				});
				const policies = (await access) as { id: string; ip_access: unknown; admin_access: unknown }[];
				if (policies.some((p) => p.admin_access === true || p.admin_access === 1)) return { restricted: false };
				const usable = policies.filter((p) => p.ip_access === null || p.ip_access === undefined || p.ip_access === '').map((p) => p.id);
				if (usable.length === 0) return { restricted: true };
				const rules = (await db('directus_permissions').select('permissions', 'fields').where({ collection, action: 'read' }).whereIn('policy', usable)) as { permissions: unknown; fields: unknown }[];
				const full = rules.some((rule) => isEmptyRule(rule.permissions) && allFields(rule.fields));
				return { restricted: !full };
			})();
			this.restricted.set(collection, cached);
		}
		return cached;
	}

	async readItems(collection: string, keys: readonly string[], filter: Record<string, unknown> | null, fields?: readonly string[]): Promise<Map<string, Row>> {
		const out = new Map<string, Row>();
		if (keys.length === 0) return out;
		const pk = await this.primaryKey(collection);
		const service = await this.items(collection);
		const keyFilter = { [pk]: { _in: [...keys] } };
		// Only the fields asked for (what `*` would give of them: names that are no field are left out).
		const known = fields ? (await this.schema()).collections[collection]?.fields : undefined;
		const list = fields && known ? [...new Set([pk, ...fields])].filter((field) => field in known) : ['*'];
		try {
			const rows = await service.readByQuery({ fields: list, filter: filter ? { _and: [filter, keyFilter] } : keyFilter, limit: -1 });
			for (const row of rows) if (row[pk] !== undefined && row[pk] !== null) out.set(String(row[pk]), row);
		} catch (error) {
			if (!isForbidden(error)) throw error;
			// The collection is readable, so the caller's own filter names fields they may not read
			// (or that do not exist): answer 403 as Directus's /items does, not an empty result.
			if (filter && (await this.canRead(collection))) throw error;
			return out;
		}
		return out;
	}
}
