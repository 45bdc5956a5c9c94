import type { Accountability, Filter, SchemaOverview } from '@directus/types';
import { NotFoundError } from '../core/errors.js';
import type { CallerItems, EnrichmentItems, TargetFieldInfo } from '../core/enrichment/enrichment-items.js';
import type { HostContext } from './container-types.js';
import { DirectusItemSource } from './directus-item-source.js';

type Row = Record<string, unknown>;

/**
 * The suite writes as an administrator without a user, so Directus records activity and
 * revisions for its writes (it skips both for `accountability: null`) and fires the usual hooks.
 */
const SUITE: Accountability = { user: null, role: null, roles: [], admin: true, app: false, ip: null, origin: 'ml-suite' } as Accountability;

/** Pipelines read and write CMS items through Directus's ItemsService. */
export class DirectusEnrichmentItems extends DirectusItemSource implements EnrichmentItems {
	constructor(private readonly directus: HostContext) {
		super(directus);
	}

	async query(collection: string, options: { filter: Record<string, unknown> | null; fields: readonly string[]; limit: number }): Promise<Row[]> {
		const schema = await this.directus.getSchema();
		const service = new this.directus.services.ItemsService(collection, { schema, knex: this.directus.database, accountability: null });
		// A configured filter is checked by Directus itself when it runs.
		return service.readByQuery({ fields: [...options.fields], ...(options.filter ? { filter: options.filter as Filter } : {}), limit: options.limit });
	}

	async write(collection: string, key: string, values: Row): Promise<void> {
		const schema = await this.directus.getSchema();
		const service = new this.directus.services.ItemsService(collection, { schema, knex: this.directus.database, accountability: SUITE });
		await service.updateOne(key, values);
	}

	async writeMany(collection: string, entries: readonly { key: string; values: Row }[]): Promise<void> {
		if (entries.length === 0) return;
		const schema = await this.directus.getSchema();
		const pk = schema.collections[collection]?.primary;
		if (!pk) throw new Error(`Collection "${collection}" does not exist.`);
		const service = new this.directus.services.ItemsService(collection, { schema, knex: this.directus.database, accountability: SUITE });
		// One transaction; each item is still updated (hooks, activity, revision) like updateOne does it.
		await service.updateBatch(entries.map(({ key, values }) => ({ ...values, [pk]: key })));
	}

	async fieldInfo(collection: string, field: string): Promise<TargetFieldInfo | null> {
		const schema = await this.directus.getSchema();
		const info = schema.collections[collection]?.fields[field];
		if (!info) return null;
		const meta = (await this.directus.database('directus_fields').where({ collection, field }).first('options', 'interface')) as { options?: unknown } | undefined;
		const options = typeof meta?.options === 'string' ? (JSON.parse(meta.options) as Record<string, unknown>) : ((meta?.options as Record<string, unknown> | null | undefined) ?? null);
		const raw = Array.isArray(options?.choices) ? (options.choices as { text?: unknown; value?: unknown }[]) : null;
		const choices = raw ? raw.filter((c) => c.value !== undefined && c.value !== null).map((c) => ({ text: String(c.text ?? c.value), value: String(c.value) })) : null;
		const special = (info as { special?: string[] }).special ?? [];
		const type = special.includes('cast-csv') ? 'csv' : String(info.type);
		return { type, choices };
	}
}

/**
 * Items read and written as the person calling a route: Directus's ItemsService with their
 * accountability answers only the fields they may read and refuses updates they may not make.
 */
export class DirectusCallerItems implements CallerItems {
	constructor(
		private readonly directus: HostContext,
		private readonly accountability: Accountability,
		private readonly schema?: SchemaOverview,
	) {}

	private async service(collection: string): Promise<{ readOne(key: string, query: Row): Promise<Row>; updateOne(key: string, values: Row): Promise<unknown> }> {
		const schema = this.schema ?? (await this.directus.getSchema());
		if (!schema.collections[collection]) throw new NotFoundError(`Collection "${collection}" does not exist or you cannot read it.`, { field: 'collection' });
		return new this.directus.services.ItemsService(collection, { schema, knex: this.directus.database, accountability: this.accountability });
	}

	async read(collection: string, key: string, fields: readonly string[]): Promise<Row | null> {
		const service = await this.service(collection);
		try {
			// `*` expands to the fields the caller may read; the wanted ones are picked from it.
			const row = await service.readOne(key, { fields: ['*'] });
			return Object.fromEntries(Object.entries(row).filter(([field]) => fields.includes(field)));
		} catch (error) {
			const status = (error as { status?: number }).status;
			if (status === 403 || status === 404) return null;
			throw error;
		}
	}

	async update(collection: string, key: string, values: Row): Promise<void> {
		await (await this.service(collection)).updateOne(key, values);
	}
}
